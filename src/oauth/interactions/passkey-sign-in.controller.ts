import { Body, Controller, HttpStatus, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditLog } from '../../audit/audit-log.service.js';
import { CsrfService, interactionPurpose } from '../../common/csrf.service.js';
import { Public } from '../../common/public.decorator.js';
import { ViewsService } from '../../common/views.service.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { PasskeyRefused, PasskeyService } from '../../identity/passkeys/passkey.service.js';
import { UsersService } from '../../identity/users.service.js';
import type { Engine } from '../provider/engine.js';
import { OIDC_PROVIDER } from '../provider/oidc-provider.token.js';
import { loadInteraction } from './interaction-details.js';
import { sendLoginPage } from './login-page.js';

/** The binding of a sign-in page's challenge: its interaction, which only its browser holds. */
export function interactionBinding(uid: string): string {
  return `interaction:${uid}`;
}

/**
 * "Sign in with a passkey" on the sign-in page, without a password: a discoverable credential
 * with user verification (see PasskeyService). The challenge is bound to the interaction (its
 * cookie is checked by loadInteraction, the form's CSRF token is bound to it too), and the
 * person is signed in exactly as a password sign-in does it: the interaction is finished with
 * a login result, here carrying the passkey's `amr` (RFC 8176).
 */
@Public()
@Controller('interaction/:uid/passkey')
export class PasskeySignInController {
  constructor(
    @Inject(OIDC_PROVIDER) private readonly provider: Engine,
    readonly views: ViewsService,
    readonly csrf: CsrfService,
    private readonly passkeys: PasskeyService,
    private readonly users: UsersService,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) readonly config: AppConfig,
  ) {}

  /** The options for `navigator.credentials.get()`, as JSON for /assets/passkey.js. */
  @Post('options')
  async options(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    this.csrf.verify(req, reply, interactionPurpose(uid));
    await loadInteraction(this.provider, uid, req, reply, 'login');
    const options = await this.passkeys.authenticationOptions(interactionBinding(uid));
    return reply.code(200).header('Cache-Control', 'no-store').send({ options });
  }

  @Post()
  async signIn(
    @Param('uid') uid: string,
    @Body() form: { credential?: unknown } | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.csrf.verify(req, reply, interactionPurpose(uid));
    const interaction = await loadInteraction(this.provider, uid, req, reply, 'login');
    const clientId = String(interaction.params.client_id);
    let result;
    try {
      result = await this.passkeys.authenticate(interactionBinding(uid), form?.credential);
    } catch (error) {
      if (!(error instanceof PasskeyRefused)) {
        throw error;
      }
      await this.audit.record({
        event: 'user.sign_in',
        outcome: 'failure',
        actor: { id: 'passkey', ip: req.ip },
        clientId,
        details: { method: 'passkey', reason: error.message },
      });
      return sendLoginPage(this, interaction, req, reply, HttpStatus.BAD_REQUEST, {
        error: error.message,
      });
    }
    const { user, passkey, amr } = result;
    await this.users.recordSignIn(user.id);
    await this.audit.record({
      event: 'user.sign_in',
      outcome: 'success',
      actor: { id: user.id, ip: req.ip },
      clientId,
      details: { email: user.email, method: 'passkey', passkey: passkey.id, amr },
    });
    const redirectTo = await this.provider.interactionResult(
      req.raw,
      reply.raw,
      { login: { accountId: user.id, amr } },
      { mergeWithLastSubmission: false },
    );
    return reply.code(HttpStatus.SEE_OTHER).redirect(redirectTo);
  }
}
