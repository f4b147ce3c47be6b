import type { KoaContextWithOIDC } from '../engine.js';
import { ENGINE_TEXT } from './engine-text.js';
import { answeredError, type ErrorBody } from './error-body.js';

const NOT_ALLOWED = new Set<string>([
  ENGINE_TEXT.grantTypeNotAllowed,
  ENGINE_TEXT.deviceGrantNotAllowed,
]);

/**
 * Restores RFC 6749 §5.2 (which RFC 8628 §3.2 uses at the device authorization endpoint too):
 * an authenticated client "not authorized to use this authorization grant type" gets
 * `unauthorized_client`; oidc-provider says `invalid_request`. Its description stays.
 */
export function grantTypeNotAllowedIsUnauthorizedClient(ctx: KoaContextWithOIDC): void {
  const body = ctx.body as ErrorBody;
  if (answeredError(ctx, 'invalid_request') && NOT_ALLOWED.has(body.error_description ?? '')) {
    ctx.body = { ...body, error: 'unauthorized_client' };
  }
}
