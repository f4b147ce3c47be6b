import { BadRequestException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine, InteractionDetails } from '../provider/engine.js';

export type Interaction = InteractionDetails & {
  clientName: string;
};

/** The sign-in link is stale: its cookie expired, was tampered with, or belongs to another flow. */
export class InteractionExpired extends BadRequestException {
  constructor() {
    super(
      'This sign-in request has expired or is no longer valid. Go back to the application and start again.',
    );
  }
}

/**
 * Loads the interaction named in the URL from its signed cookie and checks that it is at the
 * expected step. Anything else (no cookie, a forged one, another uid) is a readable 400.
 */
export async function loadInteraction(
  provider: Engine,
  uid: string,
  req: FastifyRequest,
  reply: FastifyReply,
  step?: 'login' | 'consent',
): Promise<Interaction> {
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(req.raw, reply.raw);
  } catch {
    throw new InteractionExpired();
  }
  if (details.uid !== uid || (step && details.prompt.name !== step)) {
    throw new InteractionExpired();
  }
  if (step === 'consent' && !details.session?.accountId) {
    throw new InteractionExpired();
  }
  const client = await provider.Client.find(String(details.params.client_id));
  if (!client) {
    throw new InteractionExpired();
  }
  return Object.assign(details, { clientName: client.clientName ?? client.clientId });
}
