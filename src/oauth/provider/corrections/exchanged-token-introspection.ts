import type { AccessTokenContext } from '../../../tokens/access-token-context.js';
import type { KoaContextWithOIDC } from '../engine.js';
import { introspection } from './self-encoded-token-introspection.js';

/**
 * Restores RFC 7662 §2.2 for opaque tokens obtained by token exchange (RFC 8693): such a token
 * is issued to the exchanging client under the authorization (grant) the user gave another
 * client, and oidc-provider's introspection, finding that the grant's client is not the token's,
 * answers `{"active": false}`. When the resource server's verifier accepts the token (it
 * checks the grant is live for the same user) and the token carries `act`, it is described as
 * the engine describes an opaque token, with `act` (RFC 8693 §4.1). `verify` throws for
 * anything invalid, expired or revoked; only exchanged tokens carry `act`.
 */
export async function introspectExchangedToken(
  ctx: KoaContextWithOIDC,
  verify: (token: string) => Promise<AccessTokenContext>,
): Promise<void> {
  const body = ctx.body as Record<string, unknown> | undefined;
  const token = ctx.oidc.params?.token;
  const inactive = ctx.status === 200 && body?.active === false && Object.keys(body).length === 1;
  if (!inactive || typeof token !== 'string' || token.includes('.')) {
    return;
  }
  const verified = await verify(token).catch(() => undefined);
  if (verified?.actor) {
    ctx.body = introspection(verified, ctx.oidc.provider.issuer);
  }
}
