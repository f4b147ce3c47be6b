import { sha256Base64url } from '../common/sha256.js';
import type { PersonalAccessTokenStore } from './personal-access-token.store.js';
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

/**
 * Verifies a personal access token: by the hash of its value, unexpired, of a user not disabled
 * (deleting the row, or its user, revokes it at once). The resource guard accepts it like an access token
 * for the API, acting for its user with its scopes.
 */
export function createPersonalAccessTokenVerifier(options: {
  store: PersonalAccessTokenStore;
  audience: string;
  /** Whether the token's user may still use the API (a disabled or deleted user may not). */
  userActive: (userId: string) => Promise<boolean>;
  now?: () => number;
}): (token: string) => Promise<AccessTokenContext> {
  const now = options.now ?? Date.now;
  return async (token) => {
    if (!isPersonalAccessToken(token)) {
      throw new InvalidAccessToken();
    }
    const row = await options.store.findByHash(hashPersonalAccessToken(token));
    if (!row) {
      throw new InvalidAccessToken();
    }
    const at = now();
    if (Number(row.expires_at) <= at) {
      throw new InvalidAccessToken('The access token expired');
    }
    // Disabling deletes a user's tokens; this refuses any made since, as long as they stay so.
    if (!(await options.userActive(row.user_id))) {
      throw new InvalidAccessToken();
    }
    if (at - Number(row.last_used_at ?? 0) >= LAST_USED_RESOLUTION_MS) {
      await options.store.recordUse(row.id, at);
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
