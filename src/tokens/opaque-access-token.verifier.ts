import type { ClientRegistry } from './client-registry.js';
import type { OidcPayloadStore } from './oidc-payload.store.js';
import { hashId } from '../common/hash-id.js';
import { grantKey } from './revocation-list.js';
import { InvalidAccessToken, type AccessTokenContext } from './access-token-context.js';

interface AccessTokenPayload {
  accountId?: string;
  clientId?: string;
  aud?: string | string[];
  scope?: string;
  iat?: number;
  exp?: number;
  /** oidc-provider's DPoP binding: the JWK thumbprint. */
  jkt?: string;
}

/** oidc-provider's opaque token values: 43 base64url characters (256 bits) here. */
const OPAQUE_TOKEN = /^[A-Za-z0-9_-]{20,128}$/;

/**
 * Verifies opaque access tokens by looking them up, by hash, in the adapter's table: the token
 * must exist, be unexpired and audience-bound to one of the resources; a user's token must still have its
 * grant (revoking an authorization deletes it), for the same account and client; and the client
 * must still exist (deleting an app revokes everything at once). Two indexed lookups per request.
 */
export function createOpaqueAccessTokenVerifier(options: {
  store: OidcPayloadStore;
  clients: ClientRegistry;
  /** The resources it may be for (the guard then checks its route's). */
  audiences: string[];
  now?: () => number;
}): (token: string) => Promise<AccessTokenContext> {
  const now = options.now ?? Date.now;
  return async (token) => {
    if (!OPAQUE_TOKEN.test(token)) {
      throw new InvalidAccessToken();
    }
    const row = await options.store.findAccessToken(hashId(token), now());
    if (!row || !(await options.clients.isRegistered(String(row.client_id)))) {
      throw new InvalidAccessToken();
    }
    const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
    if (expiresAt === null || expiresAt <= now()) {
      throw new InvalidAccessToken('The access token expired');
    }
    const stored = JSON.parse(row.payload) as AccessTokenPayload;
    const audience = stored.aud === undefined ? [] : [stored.aud].flat();
    const userToken = row.kind === 'AccessToken';
    // A user's token lives only as long as the authorization (grant) it was issued under.
    if (
      !audience.some((aud) => options.audiences.includes(aud)) ||
      !stored.clientId ||
      (userToken && !row.grant_live)
    ) {
      throw new InvalidAccessToken();
    }
    const subject = userToken ? stored.accountId : stored.clientId;
    if (!subject || typeof stored.iat !== 'number') {
      throw new InvalidAccessToken();
    }
    return {
      subject,
      clientId: stored.clientId,
      scopes: (stored.scope ?? '').split(' ').filter(Boolean),
      audience,
      expiresAt: new Date(expiresAt),
      issuedAt: new Date(stored.iat * 1000),
      userPresent: userToken,
      ...(row.grant_id ? { grantKey: grantKey(row.grant_id) } : {}),
      ...(typeof stored.jkt === 'string' ? { dpopJkt: stored.jkt } : {}),
    };
  };
}
