import type { AccessTokenContext } from '../../../tokens/access-token-context.js';
import type { KoaContextWithOIDC } from '../engine.js';
import { refusedAsSelfEncoded } from './self-encoded-token-refusal.js';

/**
 * Restores RFC 7662 §2.2 for JWT access tokens: oidc-provider refuses self-encoded tokens at
 * its introspection endpoint (`unsupported_token_type`), having authenticated the client; the
 * JWT is verified as the resource server verifies it and described as the engine describes an
 * opaque token, or `{"active": false}`. `verify` throws for anything invalid, expired or revoked.
 */
export async function introspectSelfEncodedToken(
  ctx: KoaContextWithOIDC,
  verify: (token: string) => Promise<AccessTokenContext>,
): Promise<void> {
  if (!refusedAsSelfEncoded(ctx)) {
    return;
  }
  const verified = await verify(String(ctx.oidc.params?.token)).catch(() => undefined);
  ctx.status = 200;
  ctx.body = verified ? introspection(verified, ctx.oidc.provider.issuer) : { active: false };
}

/**
 * RFC 7662 §2.2, with the members oidc-provider gives for opaque tokens; and `act` on a token
 * obtained by token exchange (RFC 8693 §4.1; RFC 7662 §2.2 allows further members).
 */
export function introspection(token: AccessTokenContext, issuer: string): Record<string, unknown> {
  return {
    active: true,
    client_id: token.clientId,
    exp: Math.floor(token.expiresAt.getTime() / 1000),
    iat: Math.floor(token.issuedAt.getTime() / 1000),
    iss: issuer,
    sub: token.subject,
    aud: token.audience.length === 1 ? token.audience[0] : token.audience,
    ...(token.jti ? { jti: token.jti } : {}),
    ...(token.scopes.length ? { scope: token.scopes.join(' ') } : {}),
    ...(token.actor ? { act: token.actor } : {}),
    // RFC 9449 §6.2: a DPoP-bound token says so, and to which key.
    ...(token.dpopJkt ? { cnf: { jkt: token.dpopJkt } } : {}),
    token_type: token.dpopJkt ? 'DPoP' : 'Bearer',
  };
}
