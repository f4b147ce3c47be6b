/**
 * What every verifier of the token layer hands to the servers above it: the context of a
 * verified access token, or one {@link InvalidAccessToken} whatever the reason.
 */

export const INVALID_TOKEN = 'The access token is invalid';
export const EXPIRED_TOKEN = 'The access token expired';

/**
 * The access token was refused. The message is deliberately vague (only expiry is told apart)
 * and uses only characters RFC 6750 §3 allows in `error_description`; the precise reason is kept
 * in `cause`, for logs only.
 */
export class InvalidAccessToken extends Error {
  override readonly name = 'InvalidAccessToken';

  constructor(
    message: typeof INVALID_TOKEN | typeof EXPIRED_TOKEN = INVALID_TOKEN,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Who acts for the subject (RFC 8693 §4.1 `act`): the client that exchanged the user's token,
 * and, nested, who acted before it when that token was itself an exchanged one.
 */
export interface Actor {
  sub: string;
  act?: Actor;
}

/** Whether `value` is an RFC 8693 `act` claim as Gatehouse issues it (checked to any depth). */
export function isActor(value: unknown): value is Actor {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return false;
  }
  const { sub, act } = value as { sub?: unknown; act?: unknown };
  return typeof sub === 'string' && sub !== '' && (act === undefined || isActor(act));
}

/** What a verified access token says about the request it came with. */
export interface AccessTokenContext {
  /** `sub`: the user's id, or the client's id for a client_credentials token. */
  subject: string;
  /** `client_id`: the client the token was issued to (RFC 9068 §2.2). */
  clientId: string;
  /** `scope`, split on spaces; empty when the token has none. */
  scopes: string[];
  /** `aud`, always as a list; it includes the API resource. */
  audience: string[];
  expiresAt: Date;
  /** `iat`: when the token was issued. */
  issuedAt: Date;
  /**
   * Whether a user authorized this token (authorization code, refresh, device flows) rather
   * than a client acting on its own behalf (client_credentials).
   *
   * oidc-provider 9 (`lib/models/formats/jwt.js`) sets `sub` to the grant's account id when
   * there is one and to `client_id` otherwise; nothing else in the token tells the two apart
   * (no `gty`, no `auth_time`/`acr`). So a user is present exactly when `sub !== client_id`.
   * That is unambiguous here because the two id spaces cannot meet: user ids are UUIDs
   * (`randomUUID()`, 36 characters with hyphens), client ids are 32 hex digits.
   * (A pairwise subject type would also differ from `client_id`, so it stays correct then.)
   */
  userPresent: boolean;
  /** `jti`, when present: a per-token id, e.g. for a revocation deny-list. */
  jti?: string;
  /**
   * The key of the authorization (grant) the token was issued under, when a user authorized it
   * (the `gid` claim; see revocations/revocation-list.ts). Revoking the grant revokes the token.
   */
  grantKey?: string;
  /**
   * The JWK thumbprint of the key the token is bound to (`cnf.jkt`, RFC 9449 §6): it must then
   * be sent as `DPoP` with a proof signed by that key.
   */
  dpopJkt?: string;
  /**
   * On a token obtained by token exchange (RFC 8693): the client acting for the user (`act`).
   * `clientId` is then that same client; the user's authorization belongs to another.
   */
  actor?: Actor;
  /**
   * On an exchanged JWT: the client the authorization (`gid`) belongs to (the `gcid` claim), so
   * that deleting that application revokes the tokens exchanged from its users' tokens too.
   */
  grantClientId?: string;
}
