import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../common/csrf.service.js';
import { CEREMONY_CSP } from '../common/security-headers.js';
import { ViewsService } from '../common/views.service.js';
import { MAX_NAME_LENGTH, PasskeyService } from '../identity/passkeys/passkey.service.js';
import { SecondFactors } from '../identity/second-factors/second-factors.service.js';
import type { UserEntity } from '../identity/user.entity.js';

/** The notices the page may show after an action (`?done=`), by a fixed name, never URL text. */
export const SECURITY_NOTICES = {
  'passkey-added': 'Your passkey was added. You can sign in with it instead of your password.',
  'passkey-renamed': 'Your passkey was renamed.',
  'passkey-removed': 'Your passkey was removed: it can no longer sign in.',
} as const;

/** The notice named by `?done=`, if it names one. */
export function securityNotice(done: unknown): string | undefined {
  return typeof done === 'string' && Object.hasOwn(SECURITY_NOTICES, done)
    ? SECURITY_NOTICES[done as keyof typeof SECURITY_NOTICES]
    : undefined;
}

/** What one action on the page has to say: a notice, or a problem shown next to its form. */
export interface SecurityPageMessages {
  notice?: string;
  passkeyProblem?: string;
  /** What was typed into "Add a passkey", kept after a problem. */
  passkeyName?: string;
  /** Why removing the authenticator app was refused. */
  removeProblem?: string;
  /** Where "Continue signing in" goes, when a sign-in sent the person here. */
  continueTo?: string;
  /** The policy requires a second factor the person does not have yet. */
  required?: boolean;
}

/**
 * /account/security, rendered from every handler that ends on it: the person's sign-in
 * methods: the authenticator app, passkeys (a partial view), recovery codes. Its CSP lets the passkey
 * ceremony's served scripts run; everything else on it works without them.
 */
@Injectable()
export class SecurityPage {
  constructor(
    private readonly passkeys: PasskeyService,
    private readonly secondFactors: SecondFactors,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
  ) {}

  async send(
    req: FastifyRequest,
    reply: FastifyReply,
    user: UserEntity,
    messages: SecurityPageMessages = {},
    status = 200,
  ) {
    reply.header('Content-Security-Policy', CEREMONY_CSP);
    const summary = await this.secondFactors.summary(user.id);
    return this.views.send(
      reply,
      'account-security',
      {
        user,
        passkeys: await this.passkeys.list(user.id),
        passkeyNameMax: MAX_NAME_LENGTH,
        totp: (summary.totp ?? 0) > 0,
        recoveryCodesLeft: summary.recovery_code ?? 0,
        csrfToken: this.csrf.issue(req, reply),
        ...messages,
      },
      status,
    );
  }
}
