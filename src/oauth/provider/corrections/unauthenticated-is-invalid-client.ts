import type { KoaContextWithOIDC } from '../engine.js';
import { ENGINE_TEXT } from './engine-text.js';
import { answeredError, type ErrorBody } from './error-body.js';

/**
 * Restores RFC 6749 §5.2: a request to the token, introspection or revocation endpoint with
 * "no client authentication included" is `invalid_client`, 401 — with a challenge, as RFC 9110
 * §15.5.2 requires of a 401. oidc-provider answers it 400 `invalid_request`.
 */
export function unauthenticatedIsInvalidClient(ctx: KoaContextWithOIDC): void {
  if (
    answeredError(ctx, 'invalid_request') &&
    (ctx.body as ErrorBody).error_description === ENGINE_TEXT.noClientAuthentication
  ) {
    ctx.status = 401;
    ctx.body = { error: 'invalid_client', error_description: 'client authentication is required' };
    ctx.set('WWW-Authenticate', `Basic realm="${ctx.oidc.provider.issuer}"`);
  }
}
