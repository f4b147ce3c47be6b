import { BadRequestException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCOUNT_LINK, pageError } from '../../common/error-pages.js';
import type { Engine, InteractionDetails } from '../provider/engine.js';

export type Interaction = InteractionDetails & {
  clientName: string;
  /** What the consent page shows of the application. */
  app: ApplicationFacts;
};

export interface ApplicationFacts {
  name: string;
  /** Its logo_uri and client_uri as the administrator registered them (https only). */
  logoUri?: string;
  homepage?: string;
  /**
   * Whether anyone could claim to be this app: a native or device app has no secret, so its
   * client_id proves nothing (RFC 8252 §8.6, RFC 8628 §5.4). The operator's own (first-party)
   * apps are vouched for.
   */
  unverified: boolean;
}

const UNVERIFIABLE_TYPES = new Set(['native', 'device']);

/** The sign-in link is stale: its cookie expired, was tampered with, or belongs to another flow. */
export class InteractionExpired extends BadRequestException {
  constructor() {
    super(
      pageError({
        title: 'Your sign-in expired',
        message:
          'This sign-in page is no longer valid: it was open too long, or it was finished in another tab. Go back to the application and sign in again.',
        links: [ACCOUNT_LINK],
      }),
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
  const name = client.clientName ?? client.clientId;
  const extra = client as unknown as Record<string, unknown>;
  const app: ApplicationFacts = {
    name,
    logoUri: httpsOnly(client.logoUri),
    homepage: httpsOnly(client.clientUri),
    unverified:
      UNVERIFIABLE_TYPES.has(String(extra.gatehouse_client_type)) && extra.first_party !== true,
  };
  return Object.assign(details, { clientName: name, app });
}

function httpsOnly(uri: unknown): string | undefined {
  return typeof uri === 'string' && uri.startsWith('https://') ? uri : undefined;
}
