/**
 * The `WWW-Authenticate` challenge and JSON error body of a protected resource, per RFC 6750 §3.
 * Pure and strict: a value the RFC forbids throws rather than reaching a response header.
 */

export type BearerErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  // RFC 9449 §7.1: a DPoP proof that is missing, malformed or does not match the request.
  | 'invalid_dpop_proof';

export interface BearerError {
  error: BearerErrorCode;
  /** Human-readable; RFC 6750 §3: `error_description` characters %x20-21 / %x23-5B / %x5D-7E. */
  description?: string;
  /** The scopes the resource requires (RFC 6750 §3: the `scope` attribute). */
  scope?: string[];
  /**
   * `DPoP` for a challenge about a DPoP-bound token or its proof (RFC 9449 §7.1), with the
   * proof algorithms accepted (`algs`); `Bearer` otherwise.
   */
  scheme?: 'Bearer' | 'DPoP';
  algs?: string[];
}

/** RFC 6750 §3.1: the status code that goes with each error code. */
const STATUS: Record<BearerErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 401,
};

/** RFC 6750 §3: error_description = %x20-21 / %x23-5B / %x5D-7E (printable ASCII but `"` and `\`). */
const DESCRIPTION = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;
/** RFC 6750 §3 / RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** RFC 9110 §5.6.4: a quoted-string may hold HTAB, SP and visible ASCII (`"` and `\` escaped). */
const REALM = /^[\t\x20-\x7E]*$/;

/** RFC 3986 URI characters only (no space, `"` or backslash): it goes in a quoted-string as it is. */
const URI = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Formats a `WWW-Authenticate` value, e.g.
 * `Bearer realm="example", error="invalid_token", error_description="The access token expired"`,
 * ending with `resource_metadata="<url>"` when given: RFC 9728 §5.1, how a client that meets a
 * refusal finds the resource's metadata, and from it the authorization server.
 *
 * RFC 6750 §3.1: "If the request lacks any authentication information (e.g., the client was
 * unaware that authentication is necessary or attempted using an unsupported authentication
 * method), the resource server SHOULD NOT include an error code or other error information."
 * So call it without `error` for those requests. An empty `scope` list adds no attribute.
 */
export function formatChallenge(
  realm: string,
  error?: BearerError,
  resourceMetadata?: string,
): string {
  check(REALM.test(realm), 'realm');
  const attributes = [`realm=${quoted(realm)}`];
  if (error) {
    check(Object.hasOwn(STATUS, error.error), 'error');
    attributes.push(`error=${quoted(error.error)}`);
    if (error.description !== undefined) {
      check(DESCRIPTION.test(error.description), 'error_description');
      attributes.push(`error_description=${quoted(error.description)}`);
    }
    if (error.scope && error.scope.length > 0) {
      check(
        error.scope.every((token) => SCOPE_TOKEN.test(token)),
        'scope',
      );
      attributes.push(`scope=${quoted(error.scope.join(' '))}`);
    }
    if (error.algs && error.algs.length > 0) {
      check(
        error.algs.every((alg) => SCOPE_TOKEN.test(alg)),
        'algs',
      );
      attributes.push(`algs=${quoted(error.algs.join(' '))}`);
    }
  }
  if (resourceMetadata !== undefined) {
    check(URI.test(resourceMetadata), 'resource_metadata');
    attributes.push(`resource_metadata=${quoted(resourceMetadata)}`);
  }
  return `${error?.scheme ?? 'Bearer'} ${attributes.join(', ')}`;
}

/** RFC 6750 §3.1: invalid_request 400, invalid_token 401, insufficient_scope 403. */
export function statusFor(error: BearerErrorCode): number {
  return STATUS[error];
}

/** The JSON body sent with the challenge; `error_description` only when there is one. */
export function bearerErrorBody(error: BearerError): {
  error: BearerErrorCode;
  error_description?: string;
} {
  return error.description === undefined
    ? { error: error.error }
    : { error: error.error, error_description: error.description };
}

/**
 * RFC 9110 §5.6.4 quoted-string: `"` and `\` become quoted-pairs. Only a realm can contain them:
 * RFC 6750 §3 already excludes both from error, error_description and scope.
 */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

function check(ok: boolean, attribute: string): void {
  if (!ok) {
    throw new RangeError(`RFC 6750 section 3 forbids this ${attribute} value in a challenge`);
  }
}
