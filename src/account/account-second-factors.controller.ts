import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { securityNotice, SecurityPage } from './security-page.js';
import { CsrfService } from '../common/csrf.service.js';
import { UserInputError } from '../common/errors.js';
import { type FormFields, single } from '../common/form-fields.js';
import { Public } from '../common/public.decorator.js';
import { ViewsService } from '../common/views.service.js';
import { TooManySecondFactorAttempts } from '../identity/second-factors/second-factor-throttle.js';
import { SecondFactors } from '../identity/second-factors/second-factors.service.js';
import type { UserEntity } from '../identity/user.entity.js';
import { SecondFactorChanges } from '../people/second-factor-changes.service.js';
import { AccountSession } from './account-session.service.js';
import { PageUser, SecondFactorSetupPage } from './page-access.decorators.js';

/** Where a person goes on once set up: the sign-in step that sent them here, nothing else. */
const CONTINUE = /^\/interaction\/[A-Za-z0-9_-]{1,64}$/;
const MAX_FIELD = 1024;

/**
 * /account/security: the person's second factors. Set up an authenticator app (a QR code of
 * its key URI and the secret as text; it counts once a code from it is typed), remove it
 * (with the password or a code), make new recovery codes (shown once). Open to anyone signed
 * in, even before the MFA policy lets them anywhere else, and without JavaScript.
 */
@Public()
@Controller('account/security')
export class AccountSecondFactorsController {
  constructor(
    private readonly changes: SecondFactorChanges,
    private readonly secondFactors: SecondFactors,
    private readonly session: AccountSession,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
    private readonly securityPage: SecurityPage,
  ) {}

  @Get()
  @SecondFactorSetupPage()
  async overview(
    @PageUser() user: UserEntity,
    @Query() query: Record<string, unknown>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.overviewPage(user, req, reply, {
      notice: securityNotice(query.done),
      continueTo: continueOf(query),
      required: query.required === '1',
    });
  }

  @Get('authenticator')
  @SecondFactorSetupPage()
  async setUpForm(
    @PageUser() user: UserEntity,
    @Query() query: Record<string, unknown>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    if ((await this.secondFactors.summary(user.id)).totp) {
      return this.overviewPage(user, req, reply, { continueTo: continueOf(query) });
    }
    return this.setUpPage(user, req, reply, continueOf(query));
  }

  @Post('authenticator')
  @SecondFactorSetupPage()
  async confirm(
    @PageUser() user: UserEntity,
    @Body() form: FormFields,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const continueTo = continueOf(form);
    let recoveryCodes: string[] | undefined;
    try {
      ({ recoveryCodes } = await this.changes.confirmAuthenticatorApp(user, field(form, 'code'), {
        id: user.id,
        ip: req.ip,
      }));
    } catch (error) {
      const problem = this.problem(error, reply);
      return this.setUpPage(user, req, reply, continueTo, problem);
    }
    // The code just typed is a second factor proven in this session.
    await this.session.recordOneTimeCode(req, reply);
    const notice = 'Your authenticator app is set up: signing in now asks for a code from it.';
    if (recoveryCodes) {
      return this.page(req, reply, 'account-recovery-codes', {
        codes: recoveryCodes,
        notice,
        continueTo,
      });
    }
    return this.overviewPage(user, req, reply, { notice, continueTo });
  }

  @Post('authenticator/remove')
  @SecondFactorSetupPage()
  async remove(
    @PageUser() user: UserEntity,
    @Body() form: FormFields,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    try {
      await this.changes.removeAuthenticatorApp(user, field(form, 'proof'), {
        id: user.id,
        ip: req.ip,
      });
    } catch (error) {
      const problem = this.problem(error, reply);
      return this.overviewPage(user, req, reply, { removeProblem: problem });
    }
    return this.overviewPage(user, req, reply, {
      notice: 'Your authenticator app was removed.',
    });
  }

  @Post('recovery-codes')
  @SecondFactorSetupPage()
  async regenerate(
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    try {
      const codes = await this.changes.regenerateRecoveryCodes(user, { id: user.id, ip: req.ip });
      return this.page(req, reply, 'account-recovery-codes', {
        codes,
        notice: 'New recovery codes: the earlier ones no longer work.',
      });
    } catch (error) {
      const problem = this.problem(error, reply);
      return this.overviewPage(user, req, reply, { notice: problem });
    }
  }

  /** A refusal's message; the status it gets is set on `reply` (400, or 429 and Retry-After). */
  private problem(error: unknown, reply: FastifyReply): string {
    if (error instanceof TooManySecondFactorAttempts) {
      void reply.code(429).header('Retry-After', String(error.retryAfter));
      return error.message;
    }
    if (error instanceof UserInputError) {
      void reply.code(400);
      return error.message;
    }
    throw error;
  }

  private async overviewPage(
    user: UserEntity,
    req: FastifyRequest,
    reply: FastifyReply,
    data: {
      notice?: string;
      removeProblem?: string;
      continueTo?: string;
      required?: boolean;
    },
  ) {
    return this.securityPage.send(
      req,
      reply,
      user,
      {
        ...data,
        required:
          data.required === true &&
          this.secondFactors.policyRequires(user, user.isAdmin ? 'admin' : 'app'),
      },
      reply.statusCode >= 400 ? reply.statusCode : 200,
    );
  }

  private async setUpPage(
    user: UserEntity,
    req: FastifyRequest,
    reply: FastifyReply,
    continueTo?: string,
    problem?: string,
  ) {
    const enrolment = await this.changes.beginAuthenticatorApp(user);
    // A PNG data: URL: the page's CSP allows data: images, and it needs no script.
    const qrCode = await QRCode.toDataURL(enrolment.uri, { margin: 1, width: 240 });
    return this.page(req, reply, 'account-authenticator', {
      qrCode,
      secret: enrolment.secret.replace(/(.{4})/g, '$1 ').trim(),
      uri: enrolment.uri,
      problem,
      continueTo,
    });
  }

  private page(
    req: FastifyRequest,
    reply: FastifyReply,
    view: string,
    data: Record<string, unknown>,
  ) {
    // A refusal set its status on the reply already; everything else is a 200.
    const status = reply.statusCode >= 400 ? reply.statusCode : 200;
    return this.views.send(
      reply,
      view,
      { ...data, csrfToken: this.csrf.issue(req, reply) },
      status,
    );
  }
}

function continueOf(source: Record<string, unknown> | FormFields): string | undefined {
  const value = source?.continue;
  return typeof value === 'string' && CONTINUE.test(value) ? value : undefined;
}

function field(form: FormFields, name: string): string {
  return (single(form, name) ?? '').slice(0, MAX_FIELD);
}
