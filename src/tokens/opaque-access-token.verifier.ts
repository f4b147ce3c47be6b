import type { Sql } from '../database/sql.js';
import { hashId } from '../common/hash-id.js';
import { grantKey } from './revocation-list.js';
import { InvalidAccessToken, type AccessTokenContext } from './access-token-context.js';

interface TokenRow {
  kind: 'AccessToken' | 'ClientCredentials';
  payload: string;
  grant_id: string | null;
  expires_at: string | number | null;
  grant_live: number | string | null;
  client_live: number | string | null;
}

interface StoredAccessToken {
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
 * must exist, be unexpired and audience-bound to the API; a user's token must still have its
 * grant (revoking an authorization deletes it), for the same account and client; and the client
 * must still exist (deleting an app revokes everything at once). One indexed query per request.
 */
export function createOpaqueAccessTokenVerifier(options: {
  sql: Sql;
  audience: string;
  now?: () => number;
}): (token: string) => Promise<AccessTokenContext> {
  const now = options.now ?? Date.now;
  return async (token) => {
    if (!OPAQUE_TOKEN.test(token)) {
      throw new InvalidAccessToken();
    }
    const [row] = await options.sql.query<TokenRow>(
      `SELECT t.kind, t.payload, t.grant_id, t.expires_at,
              (SELECT 1 FROM oidc_payloads g
                 WHERE g.kind = 'Grant' AND g.grant_id = t.grant_id
                   AND g.account_id = t.account_id AND g.client_id = t.client_id
                   AND (g.expires_at IS NULL OR g.expires_at > ?)) AS grant_live,
              (SELECT 1 FROM clients c WHERE c.id = t.client_id) AS client_live
       FROM oidc_payloads t
       WHERE t.kind IN ('AccessToken', 'ClientCredentials') AND t.id = ?`,
      [now(), hashId(token)],
    );
    if (!row || !row.client_live) {
      throw new InvalidAccessToken();
    }
    const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
    if (expiresAt === null || expiresAt <= now()) {
      throw new InvalidAccessToken('The access token expired');
    }
    const stored = JSON.parse(row.payload) as StoredAccessToken;
    const audience = stored.aud === undefined ? [] : [stored.aud].flat();
    const userToken = row.kind === 'AccessToken';
    // A user's token lives only as long as the authorization (grant) it was issued under.
    if (
      !audience.includes(options.audience) ||
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
