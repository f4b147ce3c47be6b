import { sha256Base64url } from '../common/sha256.js';
import type { Sql } from '../database/sql.js';
import { InvalidAccessToken, type AccessTokenContext } from './access-token-context.js';

/**
 * Personal access tokens start with this, so that the guard (and a secret scanner) can tell
 * them from OAuth access tokens at a glance; 43 base64url characters (256 bits) follow.
 */
export const PERSONAL_ACCESS_TOKEN_PREFIX = 'gat_';
const PERSONAL_ACCESS_TOKEN = /^gat_[A-Za-z0-9_-]{43}$/;

/**
 * Whether a bearer token is a personal access token. By length too: oidc-provider's opaque
 * tokens are 43 characters, so one that happens to start with `gat_` is not mistaken for one.
 */
export function isPersonalAccessToken(token: string): boolean {
  return PERSONAL_ACCESS_TOKEN.test(token);
}

/** What a personal access token's `client_id` is in the token context: no application. */
export const PERSONAL_ACCESS_TOKEN_CLIENT = 'personal-access-token';

/** Last use is written at most this often per token: the API's hot path stays read-only. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function hashPersonalAccessToken(token: string): string {
  return sha256Base64url(token);
}

interface TokenRow {
  id: string;
  user_id: string;
  scope: string;
  created_at: number | string;
  expires_at: number | string;
  last_used_at: number | string | null;
}

/**
 * Verifies a personal access token: by the hash of its value, unexpired, its user still there
 * (deleting the row revokes it at once). The resource guard accepts it like an access token
 * for the API, acting for its user with its scopes.
 */
export function createPersonalAccessTokenVerifier(options: {
  sql: Sql;
  audience: string;
  now?: () => number;
}): (token: string) => Promise<AccessTokenContext> {
  const now = options.now ?? Date.now;
  return async (token) => {
    if (!isPersonalAccessToken(token)) {
      throw new InvalidAccessToken();
    }
    const [row] = await options.sql.query<TokenRow>(
      `SELECT t.id, t.user_id, t.scope, t.created_at, t.expires_at, t.last_used_at
       FROM personal_access_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = ?`,
      [hashPersonalAccessToken(token)],
    );
    if (!row) {
      throw new InvalidAccessToken();
    }
    const at = now();
    if (Number(row.expires_at) <= at) {
      throw new InvalidAccessToken('The access token expired');
    }
    if (at - Number(row.last_used_at ?? 0) >= LAST_USED_RESOLUTION_MS) {
      await options.sql.query('UPDATE personal_access_tokens SET last_used_at = ? WHERE id = ?', [
        at,
        row.id,
      ]);
    }
    return {
      subject: row.user_id,
      clientId: PERSONAL_ACCESS_TOKEN_CLIENT,
      scopes: row.scope.split(' ').filter(Boolean),
      audience: [options.audience],
      expiresAt: new Date(Number(row.expires_at)),
      issuedAt: new Date(Number(row.created_at)),
      userPresent: true,
      jti: row.id,
    };
  };
}
