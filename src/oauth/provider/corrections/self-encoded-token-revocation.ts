import type { AccessTokenContext } from '../../../tokens/access-token-context.js';
import type { KoaContextWithOIDC } from '../engine.js';
import { ENGINE_TEXT } from './engine-text.js';
import { refusedAsSelfEncoded } from './self-encoded-token-refusal.js';

export interface SelfEncodedRevocationDependencies {
  /** Verifies an access token for the API; throws for anything invalid, expired or revoked. */
  verify: (token: string) => Promise<AccessTokenContext>;
  /** Records the revocation of one self-encoded token, until it expires (ms). */
  revokeToken: (jti: string, expiresAt: number) => Promise<void>;
  /** Records the revocation of every token of a grant, by its key. */
  revokeGrant: (grantKey: string) => Promise<void>;
  /** The id of the grant with this key, if it still exists. */
  grantIdFor: (grantKey: string) => Promise<string | undefined>;
}

/**
 * Restores RFC 7009 §2.1 for JWT access tokens: oidc-provider refuses self-encoded tokens at
 * its revocation endpoint (`unsupported_token_type`), having authenticated the client; the JWT
 * is revoked as the engine revokes an opaque token. As RFC 7009 §2.2 says, an invalid, expired
 * or already revoked token needs nothing and gets 200, with the empty text body the engine
 * gives; another client's token is refused as the engine's own policy refuses it.
 */
export async function revokeSelfEncodedToken(
  ctx: KoaContextWithOIDC,
  deps: SelfEncodedRevocationDependencies,
): Promise<void> {
  if (!refusedAsSelfEncoded(ctx)) {
    return;
  }
  const client = ctx.oidc.client!;
  const verified = await deps.verify(String(ctx.oidc.params?.token)).catch(() => undefined);
  ctx.status = 200;
  ctx.remove('Content-Type');
  ctx.body = '';
  if (!verified) {
    return;
  }
  if (verified.clientId !== client.clientId) {
    // A public client learns nothing, a confidential one is told.
    if (client.clientAuthMethod !== 'none') {
      ctx.status = 400;
      ctx.body = {
        error: 'invalid_request',
        error_description: ENGINE_TEXT.notAllowedToRevoke,
      };
    }
    return;
  }
  await revoke(ctx, verified, deps);
}

/**
 * Every token of the JWT's grant, as the engine revokes an opaque one (RFC 7009 §2.1: the
 * server "MAY revoke the respective refresh token as well"), the grant itself kept; a
 * client_credentials token, which has no grant, on its own.
 */
async function revoke(
  ctx: KoaContextWithOIDC,
  token: AccessTokenContext,
  deps: SelfEncodedRevocationDependencies,
): Promise<void> {
  if (!token.grantKey) {
    if (token.jti) {
      await deps.revokeToken(token.jti, token.expiresAt.getTime());
    }
    return;
  }
  const grantId = await deps.grantIdFor(token.grantKey);
  if (!grantId) {
    // The grant is gone already; its JWTs may still be about.
    await deps.revokeGrant(token.grantKey);
    return;
  }
  // The adapter records the grant in the revocation list when its access tokens are revoked.
  const { AccessToken, RefreshToken, AuthorizationCode, DeviceCode } = ctx.oidc.provider;
  await Promise.all(
    [AccessToken, RefreshToken, AuthorizationCode, DeviceCode].map((model) =>
      model.revokeByGrantId(grantId),
    ),
  );
  // Announced as the engine announces a revoked grant, for the audit trail (the engine itself
  // announces it only when the grant goes, a refresh token revoked; see the spec).
  ctx.oidc.provider.emit('grant.revoked', ctx, grantId);
}
