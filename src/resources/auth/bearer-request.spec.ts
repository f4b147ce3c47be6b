import { extractBearerToken, type BearerRequest } from './bearer-request.js';
import { formatChallenge } from './challenge.js';

const TOKEN = 'mF_9.B5f-4.1JqM';
const FORM = 'application/x-www-form-urlencoded';

const extract = (request: Partial<BearerRequest>) =>
  extractBearerToken({ headers: {}, ...request });
const withHeader = (authorization: string | string[]) => extract({ headers: { authorization } });
const malformed = expect.objectContaining({ kind: 'malformed' });

describe('extractBearerToken', () => {
  describe('no credentials', () => {
    it.each([
      ['an empty request', {}],
      ['an undefined Authorization header', { headers: { authorization: undefined } }],
      ['an empty header array', { headers: { authorization: [] } }],
      ['a query without access_token', { query: { page: '2' } }],
      ['a query whose access_token is undefined', { query: { access_token: undefined } }],
      ['a form body without access_token', { contentType: FORM, body: { name: 'x' } }],
      ['a form content type with no body', { contentType: FORM }],
      ['a form content type with a non-object body', { contentType: FORM, body: 'access_token' }],
      ['a form content type with an array body', { contentType: FORM, body: [TOKEN] }],
    ] satisfies [string, Partial<BearerRequest>][])('is none for %s', (_, request) => {
      expect(extract(request)).toEqual({ kind: 'none' });
    });

    // RFC 6750 §3.1: a client "attempted using an unsupported authentication method" gets a plain
    // challenge, not an error: a Basic header is not a malformed bearer request.
    it.each(['Basic dXNlcjpwYXNz', 'Digest username="a", realm="b"', 'Bearerx ' + TOKEN, 'Basic'])(
      'is none for another scheme: %s',
      (header) => {
        expect(withHeader(header)).toEqual({ kind: 'none' });
      },
    );

    it('ignores access_token in a body that is not form-encoded (RFC 6750 §2.2)', () => {
      for (const contentType of ['application/json', 'text/plain', 'multipart/form-data']) {
        expect(extract({ contentType, body: { access_token: TOKEN } })).toEqual({ kind: 'none' });
      }
      expect(extract({ body: { access_token: TOKEN } })).toEqual({ kind: 'none' });
    });
  });

  describe('Authorization header (RFC 6750 §2.1)', () => {
    it('takes the token from a DPoP header (RFC 9449 §7.1), any case of the scheme', () => {
      expect(withHeader(`DPoP ${TOKEN}`)).toEqual({ kind: 'token', token: TOKEN, scheme: 'DPoP' });
      expect(withHeader(`dpop ${TOKEN}`)).toEqual({ kind: 'token', token: TOKEN, scheme: 'DPoP' });
      expect(withHeader('DPoP')).toEqual({
        kind: 'malformed',
        description: 'The DPoP credentials are missing the access token',
      });
    });

    it('takes the token from a Bearer header', () => {
      expect(withHeader(`Bearer ${TOKEN}`)).toEqual({
        kind: 'token',
        token: TOKEN,
        scheme: 'Bearer',
      });
    });

    it.each(['bearer', 'BEARER', 'BeArEr'])('treats the scheme %s case-insensitively', (s) => {
      expect(withHeader(`${s} ${TOKEN}`)).toEqual({
        kind: 'token',
        token: TOKEN,
        scheme: 'Bearer',
      });
    });

    it.each([
      'abc',
      'A-Z_a-z.0~9+/',
      'abc=',
      'abc==',
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
      '~',
    ])('accepts the b64token %s', (token) => {
      expect(withHeader(`Bearer ${token}`)).toEqual({ kind: 'token', token, scheme: 'Bearer' });
    });

    it('accepts several spaces after the scheme (1*SP) and surrounding whitespace', () => {
      expect(withHeader(`Bearer   ${TOKEN}`)).toEqual({
        kind: 'token',
        token: TOKEN,
        scheme: 'Bearer',
      });
      expect(withHeader(`  Bearer ${TOKEN}  `)).toEqual({
        kind: 'token',
        token: TOKEN,
        scheme: 'Bearer',
      });
    });

    it('finds the header whatever the case of its name', () => {
      expect(extract({ headers: { Authorization: `Bearer ${TOKEN}` } })).toEqual({
        kind: 'token',
        token: TOKEN,
        scheme: 'Bearer',
      });
    });

    it('accepts a single-element header array', () => {
      expect(withHeader([`Bearer ${TOKEN}`])).toEqual({
        kind: 'token',
        token: TOKEN,
        scheme: 'Bearer',
      });
    });

    it.each([
      ['Bearer', /missing the access token/],
      ['Bearer   ', /missing the access token/],
      ['', /empty/],
      ['   ', /empty/],
      [`Bearer ${TOKEN} extra`, /exactly one b64token/],
      [`Bearer ${TOKEN}, realm="x"`, /exactly one b64token/],
      [`Bearer\t${TOKEN}`, /exactly one b64token/],
      [`Bearer a=b`, /exactly one b64token/],
      [`Bearer =abc`, /exactly one b64token/],
      [`Bearer ==`, /exactly one b64token/],
      [`Bearer abc"def`, /exactly one b64token/],
      [`Bearer abc,def`, /exactly one b64token/],
      [`Bearer abc%20`, /exactly one b64token/],
      [`Bearer tökén`, /exactly one b64token/],
      [`Bearer abc\\def`, /exactly one b64token/],
    ])('is malformed for %j', (header, description) => {
      expect(withHeader(header)).toEqual({
        kind: 'malformed',
        description: expect.stringMatching(description),
      });
    });

    it('is malformed when the header is repeated, whatever the schemes', () => {
      for (const headers of [
        [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`],
        [`Bearer ${TOKEN}`, 'Basic dXNlcjpwYXNz'],
        ['Basic a', 'Basic b'],
      ]) {
        expect(withHeader(headers)).toEqual({
          kind: 'malformed',
          description: expect.stringMatching(/only once/),
        });
      }
    });

    it('is malformed when two header names differ only in case', () => {
      const headers = { authorization: `Bearer ${TOKEN}`, Authorization: `Bearer ${TOKEN}` };
      expect(extract({ headers })).toEqual(malformed);
    });
  });

  describe('form body (RFC 6750 §2.2)', () => {
    it('takes the token from a form-encoded body', () => {
      expect(extract({ contentType: FORM, body: { access_token: TOKEN } })).toEqual({
        kind: 'token',
        token: TOKEN,
        scheme: 'Bearer',
      });
    });

    it.each([FORM, `${FORM}; charset=UTF-8`, 'Application/X-WWW-Form-URLEncoded', ` ${FORM} `])(
      'recognises the content type %j',
      (contentType) => {
        expect(extract({ contentType, body: { access_token: TOKEN } })).toEqual({
          kind: 'token',
          token: TOKEN,
          scheme: 'Bearer',
        });
      },
    );

    it.each(['GET', 'get', 'HEAD'])('refuses the body method on %s (§2.2)', (method) => {
      expect(extract({ method, contentType: FORM, body: { access_token: TOKEN } })).toEqual({
        kind: 'malformed',
        description: 'The form body method cannot be used with GET or HEAD (RFC 6750 section 2.2)',
      });
    });

    it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('accepts the body method on %s', (method) => {
      expect(extract({ method, contentType: FORM, body: { access_token: TOKEN } })).toEqual({
        kind: 'token',
        token: TOKEN,
        scheme: 'Bearer',
      });
    });

    it('falls back to the content-type header', () => {
      const request = { headers: { 'content-type': FORM }, body: { access_token: TOKEN } };
      expect(extractBearerToken(request)).toEqual({
        kind: 'token',
        token: TOKEN,
        scheme: 'Bearer',
      });
    });

    it('prefers the explicit contentType over the header', () => {
      const request = {
        headers: { 'content-type': FORM },
        contentType: 'application/json',
        body: { access_token: TOKEN },
      };
      expect(extractBearerToken(request)).toEqual({ kind: 'none' });
    });

    it('reads a null-prototype body (as body parsers produce)', () => {
      const body = Object.assign(Object.create(null) as object, { access_token: TOKEN });
      expect(extract({ contentType: FORM, body })).toEqual({
        kind: 'token',
        token: TOKEN,
        scheme: 'Bearer',
      });
    });

    it('accepts the body token alongside a non-bearer Authorization header', () => {
      const request = {
        headers: { authorization: 'Basic dXNlcjpwYXNz' },
        contentType: FORM,
        body: { access_token: TOKEN },
      };
      expect(extractBearerToken(request)).toEqual({
        kind: 'token',
        token: TOKEN,
        scheme: 'Bearer',
      });
    });

    it.each([
      ['repeated', [TOKEN, TOKEN], /only once/],
      ['empty', '', /non-empty string/],
      ['a number', 42, /non-empty string/],
      ['null', null, /non-empty string/],
      ['an object', { nested: TOKEN }, /non-empty string/],
      ['not a b64token', 'abc def', /b64token/],
      ['not a b64token (quote)', 'abc"', /b64token/],
    ])('is malformed when access_token is %s', (_, accessToken, description) => {
      expect(extract({ contentType: FORM, body: { access_token: accessToken } })).toEqual({
        kind: 'malformed',
        description: expect.stringMatching(description),
      });
    });
  });

  describe('URI query (refused: RFC 9700 §4.3.2)', () => {
    it.each([TOKEN, '', [TOKEN], 'not a token'])('is malformed for access_token=%j', (value) => {
      expect(extract({ query: { access_token: value } })).toEqual({
        kind: 'malformed',
        description: expect.stringMatching(/URI query are not accepted/),
      });
    });

    it('is malformed even next to a non-bearer header', () => {
      const request = { headers: { authorization: 'Basic a' }, query: { access_token: TOKEN } };
      expect(extractBearerToken(request)).toEqual(malformed);
    });
  });

  describe('token in more than one place (RFC 6750 §3.1 invalid_request)', () => {
    const header = { authorization: `Bearer ${TOKEN}` };
    const form = { contentType: FORM, body: { access_token: TOKEN } };
    const query = { query: { access_token: TOKEN } };

    it.each([
      ['header + body', { headers: header, ...form }, 'Authorization header, form body'],
      ['header + query', { headers: header, ...query }, 'Authorization header, URI query'],
      ['body + query', { ...form, ...query }, 'form body, URI query'],
      [
        'header + body + query',
        { headers: header, ...form, ...query },
        'Authorization header, form body, URI query',
      ],
      [
        'a malformed bearer header + body',
        { headers: { authorization: 'Bearer' }, ...form },
        'Authorization header, form body',
      ],
      [
        'header + malformed body token',
        { headers: header, contentType: FORM, body: { access_token: '' } },
        'Authorization header, form body',
      ],
    ] satisfies [string, Partial<BearerRequest>, string][])(
      'is malformed for %s',
      (_, request, where) => {
        expect(extract(request)).toEqual({
          kind: 'malformed',
          description: `The access token was sent in more than one place (${where})`,
        });
      },
    );
  });

  describe('descriptions', () => {
    const secret = 'SeCrEt-t0ken';
    const requests: Partial<BearerRequest>[] = [
      { headers: { authorization: [`Bearer ${secret}`, `Bearer ${secret}`] } },
      { headers: { authorization: `Bearer ${secret} ${secret}` } },
      { headers: { authorization: `Bearer ${secret}"` } },
      { headers: { authorization: 'Bearer' } },
      { headers: { authorization: '' } },
      { contentType: FORM, body: { access_token: [secret, secret] } },
      { contentType: FORM, body: { access_token: `${secret} x` } },
      { contentType: FORM, body: { access_token: '' } },
      { query: { access_token: secret } },
      { headers: { authorization: `Bearer ${secret}` }, query: { access_token: secret } },
    ];

    it.each(requests)('never echo the token and fit an error_description: %j', (request) => {
      const result = extract(request);
      if (result.kind !== 'malformed') {
        throw new Error(`expected malformed, got ${result.kind}`);
      }
      expect(result.description).not.toContain(secret);
      expect(() =>
        formatChallenge('gatehouse', { error: 'invalid_request', description: result.description }),
      ).not.toThrow();
    });
  });
});
