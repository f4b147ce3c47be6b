import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CsrfService, interactionPurpose } from '../../common/csrf.service.js';
import { CEREMONY_CSP } from '../../common/security-headers.js';
import type { ViewsService } from '../../common/views.service.js';
import type { AppConfig } from '../../config/app-config.js';
import type { Interaction } from './interaction-details.js';

/**
 * The sign-in page: email and password, and "Sign in with a passkey" (shown by
 * /assets/passkey.js where WebAuthn is available, hence the ceremony's CSP; the page works
 * without script all the same).
 */
export function sendLoginPage(
  deps: { views: ViewsService; csrf: CsrfService; config: AppConfig },
  interaction: Interaction,
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  extra: { email?: string; error?: string } = {},
) {
  const base = `/interaction/${interaction.uid}`;
  return reply
    .code(status)
    .header('Cache-Control', 'no-store')
    .header('Content-Security-Policy', CEREMONY_CSP)
    .type('text/html; charset=utf-8')
    .send(
      deps.views.render('login', {
        clientName: interaction.clientName,
        action: `${base}/login`,
        abortAction: `${base}/abort`,
        passkeyAction: `${base}/passkey`,
        passkeyOptionsAction: `${base}/passkey/options`,
        csrfToken: deps.csrf.issue(req, reply, interactionPurpose(interaction.uid)),
        signupOpen: deps.config.signup === 'open',
        ...extra,
      }),
    );
}
