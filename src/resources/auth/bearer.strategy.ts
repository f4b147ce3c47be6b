import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import type { AccessTokenContext } from '../../tokens/access-token-context.js';

/**
 * What the guard shows passport of a request: only the token it has already extracted by
 * RFC 6750's rules (passport-http-bearer alone would also take tokens from the URI query, which
 * RFC 9700 §4.3.2 advises against), and the verifier of the application the request is for.
 */
export interface BearerView {
  headers: { authorization: string };
  query: Record<string, never>;
  body: undefined;
  verify: (token: string) => Promise<AccessTokenContext>;
}

/**
 * passport-http-bearer, with our verifier behind it. Passport keeps strategies in one registry
 * per process, so with several applications in one process (the e2e tests) the last one
 * registered would verify for all: the verifier therefore comes with each request.
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor() {
    super({ passReqToCallback: true });
  }

  validate(request: BearerView, token: string): Promise<AccessTokenContext> {
    return request.verify(token);
  }
}
