import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { bearerErrorBody, formatChallenge, statusFor, type BearerError } from './challenge.js';

/** The body of a 401 to a request that carried no bearer credentials at all. */
const NO_CREDENTIALS_BODY = {
  message: 'This resource needs an access token, sent as "Authorization: Bearer <token>"',
};

/**
 * A protected resource refusing a request, answered exactly as RFC 6750 §3 prescribes by
 * {@link BearerChallengeFilter}: status, `WWW-Authenticate: Bearer ...` and a JSON body with
 * the same error code. Without an `error`, it is the §3.1 answer to a request that carried no
 * credentials: 401 and a challenge with no error code.
 */
export class BearerChallenge extends Error {
  override readonly name = 'BearerChallenge';

  /**
   * `resourceMetadata`: the metadata URL of the resource refusing (RFC 9728 §5.1), sent as the
   * challenge's `resource_metadata`.
   */
  constructor(
    readonly realm: string,
    readonly error?: BearerError,
    readonly resourceMetadata?: string,
  ) {
    super(error ? `${error.error}: ${error.description ?? ''}` : 'no bearer credentials');
  }

  get status(): number {
    return this.error ? statusFor(this.error.error) : 401;
  }
}

@Catch(BearerChallenge)
export class BearerChallengeFilter implements ExceptionFilter<BearerChallenge> {
  catch(challenge: BearerChallenge, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply
      .code(challenge.status)
      .header(
        'WWW-Authenticate',
        formatChallenge(challenge.realm, challenge.error, challenge.resourceMetadata),
      )
      // RFC 6750 §4 / RFC 9111: answers about credentials are never cached.
      .header('Cache-Control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(challenge.error ? bearerErrorBody(challenge.error) : NO_CREDENTIALS_BODY);
  }
}
