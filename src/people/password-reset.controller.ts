import {
  Body,
  Controller,
  Get,
  HttpStatus,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../common/csrf.service.js';
import { UserInputError } from '../common/errors.js';
import type { FormFields } from '../common/form-fields.js';
import { Public } from '../common/public.decorator.js';
import { ViewsService } from '../common/views.service.js';
import { emailForm, keptValues, pageProblems, passwordForm, readForm } from './page-forms.js';
import { PeoplePagesFilter } from './people-pages.filter.js';
import { PasswordReset } from './password-reset.service.js';

/** "Forgot password?" (`/password/forgot`) and the reset link's page (`/password/reset/<token>`). */
@Public()
@Controller('password')
@UseFilters(PeoplePagesFilter)
export class PasswordResetController {
  constructor(
    private readonly resets: PasswordReset,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
  ) {}

  @Get('forgot')
  forgot(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.forgotPage(req, reply, HttpStatus.OK, {}, []);
  }

  @Post('forgot')
  async request(@Body() form: FormFields, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    this.csrf.verify(req, reply);
    const read = readForm(emailForm, form, ['email']);
    if (!read.ok) {
      return this.forgotPage(
        req,
        reply,
        HttpStatus.BAD_REQUEST,
        keptValues(form, ['email']),
        read.problems,
      );
    }
    await this.resets.request(read.value.email, { id: read.value.email, ip: req.ip });
    return this.views.send(reply, 'check-email', {
      message: `If an account exists for ${read.value.email.toLowerCase()}, we sent it a link to choose a new password. The link works once, for 30 minutes. We say the same whether or not there is an account, so that no one can find out who has one.`,
      againUrl: '/password/forgot',
    });
  }

  @Get('reset/:token')
  async show(
    @Param('token') token: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const { user } = await this.resets.userOf(token);
    return this.resetPage(req, reply, token, user.email, HttpStatus.OK, []);
  }

  @Post('reset/:token')
  async reset(
    @Param('token') token: string,
    @Body() form: FormFields,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.csrf.verify(req, reply);
    const { user } = await this.resets.userOf(token);
    const read = readForm(passwordForm, form, ['password']);
    if (!read.ok) {
      return this.resetPage(req, reply, token, user.email, HttpStatus.BAD_REQUEST, read.problems);
    }
    try {
      await this.resets.reset(token, read.value.password, { id: user.id, ip: req.ip });
    } catch (error) {
      if (error instanceof UserInputError) {
        return this.resetPage(
          req,
          reply,
          token,
          user.email,
          HttpStatus.BAD_REQUEST,
          pageProblems(error),
        );
      }
      throw error;
    }
    return this.views.send(reply, 'notice', {
      title: 'Password changed',
      message: `The password for ${user.email} is changed. You were signed out everywhere: sign in again with the new password.`,
      link: { url: '/account', label: 'Sign in' },
    });
  }

  private forgotPage(
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    values: Record<string, string>,
    problems: string[],
  ) {
    return this.views.send(
      reply,
      'password-forgot',
      { values, problems, csrfToken: this.csrf.issue(req, reply) },
      status,
    );
  }

  private resetPage(
    req: FastifyRequest,
    reply: FastifyReply,
    token: string,
    email: string,
    status: number,
    problems: string[],
  ) {
    return this.views.send(
      reply,
      'password-reset',
      {
        email,
        problems,
        action: `/password/reset/${token}`,
        csrfToken: this.csrf.issue(req, reply),
      },
      status,
    );
  }
}
