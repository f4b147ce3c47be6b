import type { KoaContextWithOIDC } from '../engine.js';
import { refusedAsSelfEncoded } from './self-encoded-token-refusal.js';

/**
 * Restores RFC 7662 §4 ("the authorization server MUST require authentication of protected
 * resources", and decides which may introspect): an authenticated client without the
 * introspection permission gets 403, whatever the token. oidc-provider answers it
 * `{"active": false}` (or, for a JWT, `unsupported_token_type`), which hides a misconfiguration.
 *
 * @returns whether it answered the request.
 */
export function introspectionForResourceServersOnly(ctx: KoaContextWithOIDC): boolean {
  // Either way the engine has authenticated the client.
  if (ctx.status !== 200 && !refusedAsSelfEncoded(ctx)) {
    return false;
  }
  const client = ctx.oidc.client as { introspection_allowed?: unknown } | undefined;
  if (client?.introspection_allowed === true) {
    return false;
  }
  ctx.status = 403;
  ctx.body = {
    error: 'access_denied',
    error_description: 'only resource servers may introspect tokens',
  };
  return true;
}
