import {
  Body,
  Controller,
  Get,
  HttpStatus,
  Inject,
  NotFoundException,
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
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { EmailVerification } from './email-verification.service.js';
import { keptValues, pageProblems, readForm, signUpForm } from './page-forms.js';
import { PeoplePagesFilter } from './people-pages.filter.js';
import { SignUp } from './sign-up.service.js';

const FIELDS = ['name', 'email', 'password'];

/**
 * `/signup` (with `SIGNUP=open`) and the confirmation link `/email/verify/<token>`. Opening a
 * link only shows a button: mail scanners that fetch links must not confirm (or use) anything.
 */
@Public()
@Controller()
@UseFilters(PeoplePagesFilter)
export class SignUpController {
  constructor(
    private readonly signUps: SignUp,
    private readonly verification: EmailVerification,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('signup')
  form(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    this.requireOpen();
    return this.page(req, reply, HttpStatus.OK, {}, []);
  }

  @Post('signup')
  async submit(@Body() form: FormFields, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    this.requireOpen();
    this.csrf.verify(req, reply);
    const values = keptValues(form, ['name', 'email']);
    const read = readForm(signUpForm, form, FIELDS);
    if (!read.ok) {
      return this.page(req, reply, HttpStatus.BAD_REQUEST, values, read.problems);
    }
    try {
      await this.signUps.signUp(read.value, { id: read.value.email, ip: req.ip });
    } catch (error) {
      if (error instanceof UserInputError) {
        return this.page(req, reply, HttpStatus.BAD_REQUEST, values, pageProblems(error));
      }
      throw error;
    }
    // The same page whether the address was new or had an account (which got an email).
    return this.views.send(reply, 'check-email', {
      message: `We sent a link to ${read.value.email.toLowerCase()}. Open it to confirm your address and finish creating your account.`,
    });
  }

  @Get('email/verify/:token')
  async showVerify(
    @Param('token') token: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const link = await this.verification.usable('verify_email', token);
    return this.views.send(reply, 'email-confirm', {
      title: 'Confirm your email address',
      message: 'Confirm that this address is yours:',
      email: link.email,
      button: 'Confirm email address',
      action: `/email/verify/${token}`,
      csrfToken: this.csrf.issue(req, reply),
    });
  }

  @Post('email/verify/:token')
  async verify(
    @Param('token') token: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.csrf.verify(req, reply);
    const user = await this.verification.confirm(token, { id: 'anonymous', ip: req.ip });
    return this.views.send(reply, 'notice', {
      title: 'Email address confirmed',
      message: `Thank you: ${user.email} is confirmed. Applications can now use your account; go back to the one you were signing in to and continue.`,
      link: { url: '/account', label: 'Go to your account' },
    });
  }

  /** Sign-up is a page only with SIGNUP=open; otherwise there is nothing here (404). */
  private requireOpen() {
    if (this.config.signup !== 'open') {
      throw new NotFoundException(
        'This server does not offer sign-up. Ask an administrator to invite you.',
      );
    }
  }

  private page(
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    values: Record<string, string>,
    problems: string[],
  ) {
    return this.views.send(
      reply,
      'signup',
      { values, problems, csrfToken: this.csrf.issue(req, reply) },
      status,
    );
  }
}
