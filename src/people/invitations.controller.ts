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
import type { EmailLink } from './email-links.store.js';
import { Invitations } from './invitations.service.js';
import { invitationForm, keptValues, pageProblems, readForm } from './page-forms.js';
import { PeoplePagesFilter } from './people-pages.filter.js';

/** The invitation link's page, `/invite/<token>`: choose a name and a password. */
@Public()
@Controller('invite')
@UseFilters(PeoplePagesFilter)
export class InvitationsController {
  constructor(
    private readonly invitations: Invitations,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
  ) {}

  @Get(':token')
  async show(
    @Param('token') token: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const invitation = await this.invitations.usable(token);
    const name = typeof invitation.data.name === 'string' ? invitation.data.name : '';
    return this.page(req, reply, token, invitation, HttpStatus.OK, { name }, []);
  }

  @Post(':token')
  async accept(
    @Param('token') token: string,
    @Body() form: FormFields,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.csrf.verify(req, reply);
    const invitation = await this.invitations.usable(token);
    const values = keptValues(form, ['name']);
    const read = readForm(invitationForm, form, ['name', 'password']);
    if (!read.ok) {
      return this.page(
        req,
        reply,
        token,
        invitation,
        HttpStatus.BAD_REQUEST,
        values,
        read.problems,
      );
    }
    try {
      const user = await this.invitations.accept(token, read.value, {
        id: invitation.email,
        ip: req.ip,
      });
      return this.views.send(reply, 'notice', {
        title: 'Welcome to Gatehouse',
        message: `Your account for ${user.email} is ready. Sign in with your email and the password you chose.`,
        link: { url: '/account', label: 'Sign in' },
      });
    } catch (error) {
      if (error instanceof UserInputError) {
        return this.page(
          req,
          reply,
          token,
          invitation,
          HttpStatus.BAD_REQUEST,
          values,
          pageProblems(error),
        );
      }
      throw error;
    }
  }

  private page(
    req: FastifyRequest,
    reply: FastifyReply,
    token: string,
    invitation: EmailLink,
    status: number,
    values: Record<string, string>,
    problems: string[],
  ) {
    return this.views.send(
      reply,
      'invite',
      {
        email: invitation.email,
        values,
        problems,
        action: `/invite/${token}`,
        csrfToken: this.csrf.issue(req, reply),
      },
      status,
    );
  }
}
