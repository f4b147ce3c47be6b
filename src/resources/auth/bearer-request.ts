/**
 * Where a resource request carries its access token, per RFC 6750 §2, read without trusting any of
 * it. Pure: no Nest, no I/O, so the guard and its tests share one definition of "well formed".
 *
 * Descriptions never echo the token (it is a credential) and use only the characters RFC 6750 §3
 * allows in `error_description`, so the guard can put them straight into a challenge.
 */

/** The parts of an HTTP request that can carry a bearer token. */
export interface BearerRequest {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  body?: unknown;
  /** Defaults to the `content-type` header. */
  contentType?: string;
  /** The request method; the form body method is refused for GET and HEAD (RFC 6750 §2.2). */
  method?: string;
}

/**
 * `none`: no bearer credentials at all (401 without an error code, RFC 6750 §3.1).
 * `token`: exactly one syntactically valid token, still to be verified.
 * `malformed`: an `invalid_request` (400, RFC 6750 §3.1) with a description safe to show.
 */
export type BearerExtraction =
  | { kind: 'none' }
  | { kind: 'token'; token: string; scheme: TokenScheme }
  | { kind: 'malformed'; description: string };

/** How the token was presented: RFC 6750 `Bearer`, or RFC 9449 `DPoP` (header only, §7.1). */
export type TokenScheme = 'Bearer' | 'DPoP';

/** RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The Authorization schemes that carry an access token, by their lower-case name. */
const SCHEMES: Record<string, TokenScheme | undefined> = { bearer: 'Bearer', dpop: 'DPoP' };

/** RFC 6750 §2.2: the form body method needs this media type. */
const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/**
 * RFC 9700 §4.3.2 / RFC 6750 §5.3: tokens in URIs leak into logs, history and Referer headers, so
 * this server refuses the §2.3 query method outright, even when it is the only token sent.
 */
const QUERY_REFUSED =
  'Access tokens in the URI query are not accepted; send them in the Authorization header';

type Found =
  | { kind: 'token'; token: string; scheme: TokenScheme }
  | { kind: 'malformed'; description: string };

const malformed = (description: string): Found => ({ kind: 'malformed', description });

export function extractBearerToken(request: BearerRequest): BearerExtraction {
  const places: [string, Found][] = [];
  const header = fromAuthorizationHeader(request.headers);
  if (header) {
    places.push(['Authorization header', header]);
  }
  const body = fromFormBody(request);
  if (body) {
    places.push(['form body', body]);
  }
  if (request.query && hasParameter(request.query)) {
    places.push(['URI query', malformed(QUERY_REFUSED)]);
  }

  if (places.length === 0) {
    return { kind: 'none' };
  }
  // RFC 6750 §2: "Clients MUST NOT use more than one method to transmit the token in each
  // request." §3.1 lists "uses more than one method for including an access token" under
  // invalid_request.
  if (places.length > 1) {
    const where = places.map(([place]) => place).join(', ');
    return malformed(`The access token was sent in more than one place (${where})`);
  }
  return places[0][1];
}

/**
 * RFC 6750 §2.1: `credentials = "Bearer" 1*SP b64token`; the scheme is case-insensitive
 * (RFC 9110 §11.1). Returns undefined when there is no bearer header at all.
 */
function fromAuthorizationHeader(headers: BearerRequest['headers']): Found | undefined {
  const values = headerValues(headers, 'authorization');
  if (values.length === 0) {
    return undefined;
  }
  // Which of two Authorization headers would we believe? Neither: RFC 9110 §5.3 forbids
  // repeating a field whose value is not a list, and Authorization is not one.
  if (values.length > 1) {
    return malformed('The Authorization header must appear only once');
  }
  const value = values[0].trim();
  if (value === '') {
    return malformed('The Authorization header is empty');
  }
  // The scheme runs to the first whitespace; `rest` keeps that whitespace, so it must start with SP.
  const end = value.search(/\s/);
  const scheme = end === -1 ? value : value.slice(0, end);
  const rest = end === -1 ? '' : value.slice(end);
  // Another scheme (Basic, ...) is not a malformed bearer request: it is no bearer
  // credentials at all, so the answer is a plain challenge (RFC 6750 §3.1: no error code) that
  // tells the client which scheme this resource wants. DPoP (RFC 9449 §7.1) has the same
  // token68 syntax.
  const name = SCHEMES[scheme.toLowerCase()];
  if (!name) {
    return undefined;
  }
  if (rest === '') {
    return malformed(`The ${name} credentials are missing the access token`);
  }
  const token = /^ +(\S+)$/.exec(rest)?.[1];
  if (token === undefined || !B64TOKEN.test(token)) {
    return malformed(`The ${name} credentials must be exactly one b64token (RFC 6750 section 2.1)`);
  }
  return { kind: 'token', token, scheme: name };
}

/**
 * RFC 6750 §2.2: the body method applies only to an `application/x-www-form-urlencoded` body;
 * an `access_token` field in any other body (JSON, say) is ordinary data, not a credential.
 */
function fromFormBody(request: BearerRequest): Found | undefined {
  const contentType = request.contentType ?? headerValue(request.headers, 'content-type');
  const mediaType = contentType?.split(';')[0].trim().toLowerCase();
  if (mediaType !== FORM_MEDIA_TYPE || !isRecord(request.body) || !hasParameter(request.body)) {
    return undefined;
  }
  // §2.2: "The HTTP request method is one for which the request-body has defined semantics.
  // In particular, this means that the "GET" method MUST NOT be used."
  const method = request.method?.toUpperCase();
  if (method === 'GET' || method === 'HEAD') {
    return malformed('The form body method cannot be used with GET or HEAD (RFC 6750 section 2.2)');
  }
  const value = request.body.access_token;
  // RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once."
  if (Array.isArray(value)) {
    return malformed('The access_token form parameter must appear only once');
  }
  if (typeof value !== 'string' || value === '') {
    return malformed('The access_token form parameter must be a non-empty string');
  }
  // Any token this server issues is a b64token, so nothing else could ever verify.
  if (!B64TOKEN.test(value)) {
    return malformed('The access_token form parameter must be a b64token (RFC 6750 section 2.1)');
  }
  return { kind: 'token', token: value, scheme: 'Bearer' };
}

function hasParameter(params: Record<string, unknown>): boolean {
  return Object.hasOwn(params, 'access_token') && params.access_token !== undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function headerValue(headers: BearerRequest['headers'], name: string): string | undefined {
  return headerValues(headers, name)[0];
}

/**
 * Every value of the header `name` (lower case), whatever the case of its field names. On every
 * API request, so a plain loop: no intermediate arrays for the common one-header case.
 */
function headerValues(headers: BearerRequest['headers'], name: string): string[] {
  const values: string[] = [];
  for (const key in headers) {
    if (key.length === name.length && key.toLowerCase() === name) {
      const value = headers[key];
      if (Array.isArray(value)) {
        values.push(...value);
      } else if (value !== undefined) {
        values.push(value);
      }
    }
  }
  return values;
}
