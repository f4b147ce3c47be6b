import { Body, Controller, HttpStatus, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../common/csrf.service.js';
import type { FormFields } from '../common/form-fields.js';
import { Public } from '../common/public.decorator.js';
import { ViewsService } from '../common/views.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { UserEntity } from '../identity/user.entity.js';
import { normalizeEmail } from '../identity/users.service.js';
import { accountSignOutUrl } from '../oauth/provider/first-party-clients.js';
import { EmailVerification } from '../people/email-verification.service.js';
import { emailForm, keptValues, readForm } from '../people/page-forms.js';
import { PeoplePagesFilter } from '../people/people-pages.filter.js';
import { PageUser, SignedInPage } from './page-access.decorators.js';

/**
 * The email parts of /account: send the confirmation link again, and move the account to
 * another address (which must confirm by link; the old one is told once it has).
 */
@Public()
@Controller('account/email')
@UseFilters(PeoplePagesFilter)
export class AccountEmailController {
  constructor(
    private readonly verification: EmailVerification,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('verification')
  @SignedInPage()
  async resend(
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.csrf.verify(req, reply);
    if (user.emailVerifiedAt !== null) {
      return this.views.send(reply, 'notice', {
        title: 'Email address confirmed',
        message: `${user.email} is already confirmed.`,
        link: { url: '/account', label: 'Back to your account' },
      });
    }
    await this.verification.sendVerification(user, { id: user.id, ip: req.ip });
    return this.views.send(reply, 'check-email', {
      message: `We sent a new link to ${user.email}. Open it to confirm your address; links sent before no longer work.`,
    });
  }

  @Post()
  @SignedInPage()
  async change(
    @Body() form: FormFields,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.csrf.verify(req, reply);
    const read = readForm(emailForm, form, ['email']);
    const problems = read.ok
      ? normalizeEmail(read.value.email) === user.email
        ? ['That is already your address.']
        : []
      : read.problems;
    if (!read.ok || problems.length > 0) {
      return this.views.send(
        reply,
        'account',
        {
          user,
          signOutUrl: accountSignOutUrl(this.config.issuer),
          csrfToken: this.csrf.issue(req, reply),
          emailProblems: problems,
          emailValues: keptValues(form, ['email']),
        },
        HttpStatus.BAD_REQUEST,
      );
    }
    const newEmail = normalizeEmail(read.value.email);
    await this.verification.requestChange(user, newEmail, { id: user.id, ip: req.ip });
    return this.views.send(reply, 'check-email', {
      message: `We sent a link to ${newEmail}. Your account keeps using ${user.email} until you open the link and confirm the new address.`,
    });
  }
}
