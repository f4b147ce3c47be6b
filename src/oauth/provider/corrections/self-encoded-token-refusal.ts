import type { KoaContextWithOIDC } from '../engine.js';
import { answeredError } from './error-body.js';

/**
 * Whether the engine refused the token at introspection or revocation because it is a JWT:
 * oidc-provider answers self-encoded tokens `unsupported_token_type` at both endpoints, after
 * it authenticated the client (its client_auth middleware runs first).
 */
export function refusedAsSelfEncoded(ctx: KoaContextWithOIDC): boolean {
  return answeredError(ctx, 'unsupported_token_type');
}
