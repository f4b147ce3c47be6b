import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CsrfService, interactionPurpose } from '../../common/csrf.service.js';
import type { ViewsService } from '../../common/views.service.js';
import { EMAIL_NOT_VERIFIED } from '../provider/provider-config.js';
import type { Interaction } from './interaction-details.js';

/** Whether the authorization waits for the person to confirm their address (SIGNUP=open). */
export function waitsForEmail(interaction: Interaction): boolean {
  return (
    interaction.prompt.name === 'consent' && interaction.prompt.reasons.includes(EMAIL_NOT_VERIFIED)
  );
}

/**
 * "Confirm your email address", shown instead of consent while the address is unconfirmed:
 * no code is issued until it is. "Continue" reloads the interaction (consent, or straight
 * back to the app once confirmed); "Resend email" sends a new link.
 */
export function sendVerifyRequired(
  deps: { views: ViewsService; csrf: CsrfService },
  interaction: Interaction,
  email: string,
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  extra: { notice?: string; error?: string } = {},
) {
  return deps.views.send(
    reply,
    'verify-required',
    {
      clientName: interaction.clientName,
      email,
      continueAction: `/interaction/${interaction.uid}`,
      resendAction: `/interaction/${interaction.uid}/resend-verification`,
      csrfToken: deps.csrf.issue(req, reply, interactionPurpose(interaction.uid)),
      ...extra,
    },
    status,
  );
}
