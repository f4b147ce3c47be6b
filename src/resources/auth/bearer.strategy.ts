import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import type { AccessTokenContext } from '../../tokens/access-token-context.js';
import { AccessTokenVerifier } from '../../tokens/access-token-verifier.service.js';

/** The outcome of one run of the strategy, as passport-strategy reports it. */
type Outcome =
  | { kind: 'success'; token: AccessTokenContext }
  | { kind: 'fail' }
  | { kind: 'error'; error: unknown };

/** The callbacks passport attaches to a strategy for one authentication attempt. */
interface Attempt {
  success(user: AccessTokenContext): void;
  fail(): void;
  error(error: unknown): void;
  authenticate(request: { body: { access_token: string } }, options: object): void;
}

/**
 * passport-http-bearer with our verifier behind it, injected. The resource guard extracts the
 * token itself, by RFC 6750 §2 (passport-http-bearer alone would also take tokens from the URI
 * query, which RFC 9700 §4.3.2 advises against, and knows no DPoP scheme), and hands it over
 * as it is, in the strategy's form-parameter slot (§2.2): nothing is re-serialised or parsed
 * twice.
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(private readonly verifier: AccessTokenVerifier) {
    super();
  }

  validate(token: string): Promise<AccessTokenContext> {
    return this.verifier.verify(token);
  }

  /**
   * Runs this strategy instance on one extracted token. Not through `passport.authenticate`:
   * passport keeps one strategy registry per process, so with several applications in one
   * process (the e2e tests) the last one registered would verify for all.
   */
  run(token: string): Promise<Outcome> {
    return new Promise((resolve) => {
      const attempt = Object.create(this) as Attempt;
      attempt.success = (user) => resolve({ kind: 'success', token: user });
      attempt.fail = () => resolve({ kind: 'fail' });
      attempt.error = (error) => resolve({ kind: 'error', error });
      attempt.authenticate({ body: { access_token: token } }, { session: false });
    });
  }
}
