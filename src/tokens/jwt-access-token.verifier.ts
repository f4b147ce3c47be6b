/**
 * Verifies the self-encoded access tokens oidc-provider issues for the API resource: JWTs per
 * RFC 9068, signed with the server's own keys, audience-bound to `${ISSUER}/api` (RFC 8707).
 *
 * Verification is local (no introspection call) and closed by default: a fixed algorithm
 * allow-list, public keys only, a key chosen by `kid` alone, and every claim the rest of the
 * resource server relies on checked for presence and type. Whatever goes wrong surfaces as one
 * {@link InvalidAccessToken} whose message can go straight into an RFC 6750 `error_description`.
 */
import {
  createLocalJWKSet,
  errors,
  jwtVerify,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import {
  type AccessTokenContext,
  EXPIRED_TOKEN,
  INVALID_TOKEN,
  InvalidAccessToken,
} from './access-token-context.js';

/**
 * RFC 9068 §4: the resource server MUST check the algorithm. Only what Gatehouse signs with;
 * never `none` and never HMAC, so a public key can never double as a shared secret.
 */
const ALGORITHMS = ['RS256', 'ES256'];

/** RFC 9068 §2.1 / §4: `typ` is `at+jwt`; jose also accepts `application/at+jwt` for it. */
const ACCESS_TOKEN_TYP = 'at+jwt';

/** RFC 9068 §2.2 claims every access token carries (`iss` and `aud` are checked by value). */
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub', 'client_id'];

/** JWK members that hold private or symmetric key material (RFC 7518 §6). */
const SECRET_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * Far larger than any token this server issues (about 1 KB); refusing bigger input up front
 * bounds the work an attacker can make the verifier do.
 */
const MAX_TOKEN_LENGTH = 8192;

export interface JwtAccessTokenVerifierOptions {
  /** The authorization server's issuer identifier; `iss` must equal it exactly. */
  issuer: string;
  /**
   * The resource(s) this server is (`${ISSUER}/api`, ...); `aud` must contain one of them. The
   * resource guard then checks that it is the resource of the route.
   */
  audience: string | string[];
  /**
   * The server's signing keys (e.g. `KeysService.current.signing`). Private members are stripped
   * here: only the public halves are ever used. Build a new verifier after a key rotation.
   */
  keys: JWK[];
  /** Allowed clock skew for `exp` and `nbf`, e.g. between instances; defaults to 0. */
  clockToleranceSeconds?: number;
}

export type JwtAccessTokenVerifier = (token: string) => Promise<AccessTokenContext>;

/**
 * Builds a verifier for RFC 9068 access tokens audience-bound to `options.audience`. It rejects
 * (with {@link InvalidAccessToken}): any algorithm but RS256/ES256 (so `none` and HS256 keyed
 * with a public key), a `typ` other than `at+jwt` (so ID tokens), a missing or unknown `kid`,
 * a bad signature, the wrong `iss` or `aud`, an expired or not-yet-valid token, a missing
 * `exp`/`iat`/`sub`/`client_id`, and claims of the wrong type.
 *
 * @throws Error at construction if no usable public signing key is given.
 */
export function createJwtAccessTokenVerifier(
  options: JwtAccessTokenVerifierOptions,
): JwtAccessTokenVerifier {
  const getKey = keyResolver(options.keys);
  const verifyOptions = {
    algorithms: ALGORITHMS,
    typ: ACCESS_TOKEN_TYP,
    issuer: options.issuer,
    audience: options.audience,
    requiredClaims: REQUIRED_CLAIMS,
    clockTolerance: options.clockToleranceSeconds ?? 0,
  };

  return async (token) => {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) {
      throw new InvalidAccessToken(INVALID_TOKEN, {
        cause: new TypeError('not a string or too long'),
      });
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, verifyOptions));
    } catch (error) {
      // jose checks the signature before any claim, so "expired" is only ever said of a token
      // this server really issued. Anything else, whatever jose or the input threw, is invalid.
      if (error instanceof errors.JWTExpired) {
        throw new InvalidAccessToken(EXPIRED_TOKEN, { cause: error });
      }
      throw new InvalidAccessToken(INVALID_TOKEN, { cause: error });
    }
    return toContext(payload);
  };
}

/**
 * Picks the verification key by `kid` among the public halves of `keys`. A token without a
 * `kid` is refused rather than tried against every key of its type: oidc-provider always sets
 * one, and this keeps "unknown key" a single, cheap failure.
 */
function keyResolver(keys: JWK[]): JWTVerifyGetKey {
  const publicKeys = keys.map(publicJwk);
  if (!publicKeys.length) {
    throw new Error('The JWT access token verifier needs at least one public signing key');
  }
  const kids = new Set(publicKeys.map((jwk) => jwk.kid));
  const jwks = createLocalJWKSet({ keys: publicKeys });
  return (header, token) => {
    if (typeof header.kid !== 'string' || !kids.has(header.kid)) {
      throw new errors.JWKSNoMatchingKey();
    }
    // Also enforces that the key's type and `alg` fit the header's `alg`.
    return jwks(header, token);
  };
}

/** The public half of a signing JWK; refuses symmetric keys and keys without a `kid`. */
function publicJwk(jwk: JWK): JWK {
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') {
    throw new Error(`Unsupported signing key type for access tokens: ${String(jwk.kty)}`);
  }
  if (typeof jwk.kid !== 'string' || !jwk.kid) {
    throw new Error('Every access token signing key needs a kid');
  }
  const publicPart: JWK = { ...jwk };
  for (const member of SECRET_MEMBERS) {
    delete publicPart[member];
  }
  // A private key's `key_ops` (if any) say "sign"; the public half only verifies.
  delete publicPart.key_ops;
  return publicPart;
}

/**
 * When the token was issued, in milliseconds: Gatehouse's `iat_ms` claim when it agrees with
 * `iat` (same second), else the start of `iat`'s second.
 */
function issuedAtMs(iat: number, iatMs: unknown): number {
  return typeof iatMs === 'number' &&
    Number.isSafeInteger(iatMs) &&
    Math.floor(iatMs / 1000) === iat
    ? iatMs
    : iat * 1000;
}

/** Type-checks the claims the resource server uses; jose has checked presence and values. */
function toContext(payload: JWTPayload): AccessTokenContext {
  const { sub, client_id: clientId, scope, aud, exp, iat, jti, gid, iat_ms: iatMs, cnf } = payload;
  const jkt = (cnf as { jkt?: unknown } | undefined)?.jkt;
  if (
    typeof sub !== 'string' ||
    !sub ||
    typeof clientId !== 'string' ||
    !clientId ||
    (scope !== undefined && typeof scope !== 'string') ||
    (jti !== undefined && typeof jti !== 'string') ||
    (gid !== undefined && typeof gid !== 'string') ||
    (jkt !== undefined && typeof jkt !== 'string') ||
    typeof exp !== 'number' ||
    typeof iat !== 'number' ||
    aud === undefined
  ) {
    const cause = new TypeError('sub, client_id, scope, jti, gid, exp or iat has the wrong type');
    throw new InvalidAccessToken(INVALID_TOKEN, { cause });
  }
  return {
    subject: sub,
    clientId,
    scopes: scope ? scope.split(' ').filter(Boolean) : [],
    audience: typeof aud === 'string' ? [aud] : aud,
    expiresAt: new Date(exp * 1000),
    issuedAt: new Date(issuedAtMs(iat, iatMs)),
    userPresent: sub !== clientId,
    ...(jti === undefined ? {} : { jti }),
    ...(gid === undefined ? {} : { grantKey: gid }),
    ...(typeof jkt === 'string' ? { dpopJkt: jkt } : {}),
  };
}
