import {
  Body,
  Controller,
  Get,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditLog } from '../../audit/audit-log.service.js';
import { CsrfService, interactionPurpose } from '../../common/csrf.service.js';
import { ViewsService } from '../../common/views.service.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { LoginThrottle } from '../../identity/login-throttle.js';
import { UsersService } from '../../identity/users.service.js';
import type { Engine, InteractionResults } from '../provider/engine.js';
import { OIDC_PROVIDER } from '../provider/oidc-provider.token.js';
import { describeScope, PRIVILEGED_SCOPES } from '../../tokens/scopes.js';
import { InteractionExpired, loadInteraction, type Interaction } from './interaction-details.js';
import { Public } from '../../common/public.decorator.js';
import { EMAIL_NOT_VERIFIED } from '../provider/provider-config.js';
import { sendVerifyRequired, waitsForEmail } from './verify-required-page.js';
import { SecondFactorStep } from './second-factor-step.js';
import { signInMethods } from '../../identity/second-factors/authentication-methods.js';
import { sendLoginPage } from './login-page.js';

interface LoginForm {
  email?: unknown;
  password?: unknown;
}

/**
 * The pages oidc-provider sends the browser to when it needs the user: sign-in and consent.
 * Each handler loads the interaction from its cookie, checks the step, and answers with a page
 * or a 303 back to the authorization endpoint. Their forms' CSRF tokens are bound to the
 * interaction: a form posted to another interaction's URL is refused before anything happens.
 */
@Public()
@Controller('interaction/:uid')
export class InteractionsController {
  constructor(
    @Inject(OIDC_PROVIDER) private readonly provider: Engine,
    readonly views: ViewsService,
    readonly csrf: CsrfService,
    private readonly users: UsersService,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditLog,
    private readonly secondFactor: SecondFactorStep,
    @Inject(APP_CONFIG) readonly config: AppConfig,
  ) {}

  @Get()
  async show(
    @Param('uid') uid: string,
    @Query('method') method: unknown,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const interaction = await loadInteraction(this.provider, uid, req, reply);
    if (this.secondFactor.applies(interaction)) {
      // Proven since this page was first shown (set up on /account/security): go on.
      const proven = await this.secondFactor.provenSince(interaction, req, reply);
      if (proven) {
        const login = { accountId: interaction.session!.accountId, ...proven };
        return this.finish(req, reply, { login }, true);
      }
      return this.secondFactor.render(interaction, req, reply, {
        method: typeof method === 'string' ? method : undefined,
      });
    }
    if (interaction.prompt.name === 'login') {
      return this.renderLogin(interaction, req, reply, HttpStatus.OK);
    }
    if (waitsForEmail(interaction)) {
      const user = await this.users.findById(interaction.session!.accountId);
      if (user && user.emailVerifiedAt === null) {
        return sendVerifyRequired(this, interaction, user.email, req, reply, HttpStatus.OK);
      }
      // Confirmed since: if nothing else needs the person, back to the application.
      if (interaction.prompt.reasons.every((reason) => reason === EMAIL_NOT_VERIFIED)) {
        return this.finish(req, reply, { consent: {} }, true);
      }
    }
    return this.renderConsent(interaction, req, reply);
  }

  @Post('login')
  async login(
    @Param('uid') uid: string,
    @Body() form: LoginForm,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.csrf.verify(req, reply, interactionPurpose(uid));
    const interaction = await loadInteraction(this.provider, uid, req, reply, 'login');
    const email = typeof form?.email === 'string' ? form.email.slice(0, 320) : '';
    const password = typeof form?.password === 'string' ? form.password : '';
    if (!email || !password) {
      return this.renderLogin(interaction, req, reply, HttpStatus.BAD_REQUEST, {
        email,
        error: 'Enter your email and password.',
      });
    }
    const clientId = String(interaction.params.client_id);
    const wait = await this.throttle.retryAfter(email, req.ip);
    if (wait > 0) {
      await this.audit.record({
        event: 'user.sign_in',
        outcome: 'failure',
        actor: { id: email, ip: req.ip },
        clientId,
        details: { email, reason: 'throttled' },
      });
      reply.header('Retry-After', String(wait));
      return this.renderLogin(interaction, req, reply, HttpStatus.TOO_MANY_REQUESTS, {
        email,
        error: `Too many sign-in attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`,
      });
    }
    const user = await this.users.authenticate(email, password);
    if (!user) {
      await this.throttle.recordFailure(email, req.ip);
      // The actor of a failed sign-in is the email that was tried: there is no user to name.
      await this.audit.record({
        event: 'user.sign_in',
        outcome: 'failure',
        actor: { id: email, ip: req.ip },
        clientId,
        details: { email, reason: 'bad_credentials' },
      });
      return this.renderLogin(interaction, req, reply, HttpStatus.BAD_REQUEST, {
        email,
        error: 'Incorrect email or password.',
      });
    }
    await this.throttle.recordSuccess(email);
    await this.users.recordSignIn(user.id);
    await this.audit.record({
      event: 'user.sign_in',
      outcome: 'success',
      actor: { id: user.id, ip: req.ip },
      clientId,
      details: { email: user.email },
    });
    // A person with a second factor is asked for it next: the engine's login check
    // (provider-config.ts, SECOND_FACTOR_REQUIRED) sees a session without one.
    return this.finish(req, reply, { login: { accountId: user.id, ...signInMethods(['pwd']) } });
  }

  @Post('confirm')
  async confirm(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    this.csrf.verify(req, reply, interactionPurpose(uid));
    const interaction = await loadInteraction(this.provider, uid, req, reply, 'consent');
    const { details } = interaction.prompt;
    const accountId = interaction.session!.accountId;
    if (waitsForEmail(interaction)) {
      const user = await this.users.findById(accountId);
      if (user && user.emailVerifiedAt === null) {
        return sendVerifyRequired(this, interaction, user.email, req, reply, HttpStatus.FORBIDDEN, {
          error: 'Your email address is not confirmed yet.',
        });
      }
    }
    const grant = interaction.grantId
      ? await this.provider.Grant.find(interaction.grantId)
      : new this.provider.Grant({ accountId, clientId: String(interaction.params.client_id) });
    if (!grant) {
      throw new InteractionExpired();
    }
    const missingScope = details.missingOIDCScope as string[] | undefined;
    const missingClaims = details.missingOIDCClaims as string[] | undefined;
    const missingResourceScopes = details.missingResourceScopes as
      Record<string, string[]> | undefined;
    if (missingScope) {
      grant.addOIDCScope(missingScope.join(' '));
    }
    if (missingClaims) {
      grant.addOIDCClaims(missingClaims);
    }
    const admin = (await this.users.findById(accountId))?.isAdmin ?? false;
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
      const [allowed, refused] = splitPrivileged(scopes, admin);
      if (allowed.length) {
        grant.addResourceScope(indicator, allowed.join(' '));
      }
      // Recorded as refused, so the app gets a token without it rather than asking again.
      if (refused.length) {
        grant.rejectResourceScope(indicator, refused.join(' '));
      }
    }
    const grantId = await grant.save();
    await this.audit.record({
      event: 'consent.granted',
      outcome: 'success',
      actor: { id: accountId, ip: req.ip },
      clientId: grant.clientId,
      details: {
        scope: [...(missingScope ?? []), ...Object.values(missingResourceScopes ?? {}).flat()].join(
          ' ',
        ),
      },
    });
    return this.finish(req, reply, { consent: interaction.grantId ? {} : { grantId } }, true);
  }

  /** "Deny" on consent and "Cancel" on sign-in: the app receives access_denied (RFC 6749 §4.1.2.1). */
  @Post('abort')
  async abort(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    this.csrf.verify(req, reply, interactionPurpose(uid));
    const interaction = await loadInteraction(this.provider, uid, req, reply);
    const accountId = interaction.session?.accountId;
    // Cancelling the sign-in page is not a consent decision; denying the consent page is.
    if (interaction.prompt.name === 'consent' && accountId) {
      await this.audit.record({
        event: 'consent.denied',
        outcome: 'success',
        actor: { id: accountId, ip: req.ip },
        clientId: String(interaction.params.client_id),
      });
    }
    return this.finish(req, reply, {
      error: 'access_denied',
      error_description: 'The user denied the request',
    });
  }

  private async finish(
    req: FastifyRequest,
    reply: FastifyReply,
    result: InteractionResults,
    mergeWithLastSubmission = false,
  ) {
    const redirectTo = await this.provider.interactionResult(req.raw, reply.raw, result, {
      mergeWithLastSubmission,
    });
    return reply.code(HttpStatus.SEE_OTHER).redirect(redirectTo);
  }

  private renderLogin(
    interaction: Interaction,
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { email?: string; error?: string } = {},
  ) {
    return sendLoginPage(this, interaction, req, reply, status, extra);
  }

  private async renderConsent(interaction: Interaction, req: FastifyRequest, reply: FastifyReply) {
    const { details } = interaction.prompt;
    const requested = [
      ...((details.missingOIDCScope as string[] | undefined) ?? []),
      ...Object.values((details.missingResourceScopes as Record<string, string[]>) ?? {}).flat(),
    ];
    const user = await this.users.findById(interaction.session!.accountId);
    const [grantable] = splitPrivileged(requested, user?.isAdmin ?? false);
    const scopes = [...new Set(grantable)].map((name) => ({
      name,
      description: describeScope(name),
    }));
    return reply
      .code(HttpStatus.OK)
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(
        this.views.render('consent', {
          clientName: interaction.clientName,
          app: interaction.app,
          email: user?.email ?? '',
          scopes,
          allowAction: `/interaction/${interaction.uid}/confirm`,
          denyAction: `/interaction/${interaction.uid}/abort`,
          csrfToken: this.csrf.issue(req, reply, interactionPurpose(interaction.uid)),
        }),
      );
  }
}

/** [what this user may grant, what only an administrator may]: `admin` needs the role. */
function splitPrivileged(scopes: string[], admin: boolean): [string[], string[]] {
  const privileged = (scope: string) => (PRIVILEGED_SCOPES as string[]).includes(scope);
  return admin ? [scopes, []] : [scopes.filter((s) => !privileged(s)), scopes.filter(privileged)];
}
