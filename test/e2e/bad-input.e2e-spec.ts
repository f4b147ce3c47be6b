import { DataSource } from 'typeorm';
import { useTestApp } from '../support/e2e.js';
import type { TestClient } from '../support/test-app.js';
import { UserAgent } from '../support/user-agent.js';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json?: Record<string, unknown>;
}

/**
 * Malformed requests to every endpoint get the right OAuth error or a readable page: never a
 * 5xx, never a stack trace, and nothing stored changes.
 */
describe('bad input', () => {
  const setup = useTestApp({ user: false });
  let service: TestClient;
  let web: TestClient;
  const answers: Answer[] = [];

  beforeAll(async () => {
    const { app } = setup;
    service = await app.createClient({ type: 'service', scope: 'drive.read' });
    web = await app.createClient({ type: 'web' });
  });

  afterAll(() => {
    // Whatever each test asserted, none of the answers may be a 5xx or carry a stack.
    for (const answer of answers) {
      expect(answer.status).toBeLessThan(500);
      expect(answer.text).not.toMatch(/at [\w.<>]+ \(.*:\d+:\d+\)|node_modules|\.ts:\d+/);
    }
  });

  async function send(path: string, init: RequestInit = {}): Promise<Answer> {
    const { app } = setup;
    const response = await fetch(app.url(path), { redirect: 'manual', ...init });
    const text = await response.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    const answer = { status: response.status, headers: response.headers, text, json };
    answers.push(answer);
    return answer;
  }

  const form = 'application/x-www-form-urlencoded';
  const basic = (client: TestClient, secret = client.clientSecret!) =>
    `Basic ${Buffer.from(`${client.clientId}:${secret}`).toString('base64')}`;

  async function storedRows(): Promise<number[]> {
    const { app } = setup;
    const db = app.app.get(DataSource);
    const counts: number[] = [];
    for (const table of ['users', 'clients', 'oidc_payloads', 'keys']) {
      const [row] = await db.query<{ n: string }[]>(`SELECT COUNT(*) AS n FROM "${table}"`);
      counts.push(Number(row.n));
    }
    return counts;
  }

  describe('token endpoint', () => {
    it.each([
      [
        'a JSON body',
        'application/json',
        '{"grant_type":"client_credentials"}',
        'only application/x-www-form-urlencoded content-type bodies are supported on POST /oauth/token',
      ],
      [
        'a text body',
        'text/plain',
        'grant_type=client_credentials',
        'only application/x-www-form-urlencoded content-type bodies are supported on POST /oauth/token',
      ],
    ])('%s is invalid_request', async (_label, contentType, body, description) => {
      const answer = await send('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: basic(service) },
        body,
      });
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ error: 'invalid_request', error_description: description });
      expect(answer.headers.get('cache-control')).toBe('no-store');
    });

    it('a missing grant_type is invalid_request', async () => {
      const answer = await send('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': form, authorization: basic(service) },
        body: 'scope=drive.read',
      });
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({
        error: 'invalid_request',
        error_description: "missing required parameter 'grant_type'",
      });
    });

    it('a duplicated parameter is invalid_request', async () => {
      const answer = await send('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': form, authorization: basic(service) },
        body: 'grant_type=client_credentials&grant_type=client_credentials',
      });
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({
        error: 'invalid_request',
        error_description: "'grant_type' parameter must not be provided twice",
      });
    });

    it('an unknown grant type is unsupported_grant_type', async () => {
      const answer = await send('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': form, authorization: basic(service) },
        body: 'grant_type=urn:example:nope',
      });
      expect(answer.status).toBe(400);
      expect(answer.json?.error).toBe('unsupported_grant_type');
    });

    it('an unknown client is invalid_client (401)', async () => {
      const answer = await send('/oauth/token', {
        method: 'POST',
        headers: {
          'content-type': form,
          authorization: `Basic ${Buffer.from('nobody:secret').toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      });
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
    });

    it('a malformed Basic header is invalid_request', async () => {
      const answer = await send('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': form, authorization: 'Basic !!!not-base64!!!' },
        body: 'grant_type=client_credentials',
      });
      expect(answer.status).toBe(400);
      expect(answer.json?.error).toBe('invalid_request');
    });

    it('a body past the size limit is refused', async () => {
      const answer = await send('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': form, authorization: basic(service) },
        body: `grant_type=client_credentials&scope=${'a'.repeat(2_000_000)}`,
      });
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({
        error: 'invalid_request',
        error_description: 'failed to parse the request body',
      });
    });

    it('an unknown or garbage code is invalid_grant', async () => {
      const answer = await send('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': form, authorization: basic(web) },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'garbage',
          redirect_uri: web.redirectUri,
          code_verifier: 'x'.repeat(43),
        }).toString(),
      });
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({
        error: 'invalid_grant',
        error_description: 'grant request is invalid',
      });
    });

    it('GET is not allowed', async () => {
      const answer = await send('/oauth/token');
      expect([404, 405]).toContain(answer.status);
    });
  });

  describe('authorization endpoint', () => {
    it('without client_id shows an error page', async () => {
      const answer = await send('/oauth/authorize', { headers: { accept: 'text/html' } });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(answer.text).toContain('missing required parameter &#39;client_id&#39;');
    });

    it('a duplicated parameter is an error page, not a redirect', async () => {
      const answer = await send(
        `/oauth/authorize?client_id=${web.clientId}&client_id=${web.clientId}&response_type=code`,
      );
      expect(answer.status).toBe(400);
      expect(answer.headers.get('location')).toBeNull();
      expect(answer.text).toContain('&#39;client_id&#39; parameter must not be provided twice');
    });

    it('garbage session cookies are ignored, not fatal', async () => {
      const { app } = setup;
      const ua = new UserAgent(app.issuer);
      ua.setCookie('_session', 'garbage');
      ua.setCookie('_session.sig', 'garbage');
      const visit = await ua.get(
        `/oauth/authorize?${new URLSearchParams({
          client_id: web.clientId,
          redirect_uri: web.redirectUri,
          response_type: 'code',
          scope: 'openid',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        }).toString()}`,
      );
      expect(visit.status).toBe(200);
      expect(visit.body).toContain('<h1 id="page-title">Sign in</h1>');
    });
  });

  describe('userinfo', () => {
    it('without a token is 401 with a bare Bearer challenge', async () => {
      const { app } = setup;
      const answer = await send('/oauth/userinfo');
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toContain(`Bearer realm="${app.issuer}"`);
      expect(answer.json).toEqual({
        error: 'invalid_token',
        error_description: 'no access token provided',
      });
    });

    it('with a garbage token is 401 invalid_token', async () => {
      const { app } = setup;
      const answer = await send('/oauth/userinfo', {
        headers: { authorization: 'Bearer garbage' },
      });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe(
        `Bearer realm="${app.issuer}", error="invalid_token", error_description="invalid token provided"`,
      );
    });
  });

  describe('introspection and revocation', () => {
    it('introspection without client authentication is refused', async () => {
      const answer = await send('/oauth/introspect', {
        method: 'POST',
        headers: { 'content-type': form },
        body: 'token=x',
      });
      // RFC 6749 §5.2: "no client authentication included" is invalid_client.
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication is required',
      });
    });

    it('the token endpoint without client authentication is invalid_client too', async () => {
      const answer = await send('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': form },
        body: 'grant_type=client_credentials',
      });
      expect(answer.status).toBe(401);
      expect(answer.json?.error).toBe('invalid_client');
    });

    it('revocation of an unknown token is a 200 (RFC 7009 §2.2)', async () => {
      const answer = await send('/oauth/revoke', {
        method: 'POST',
        headers: { 'content-type': form, authorization: basic(web) },
        body: 'token=never-issued',
      });
      expect(answer.status).toBe(200);
    });

    it('revocation without a token is invalid_request', async () => {
      const answer = await send('/oauth/revoke', {
        method: 'POST',
        headers: { 'content-type': form, authorization: basic(web) },
        body: '',
      });
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({
        error: 'invalid_request',
        error_description: "missing required parameter 'token'",
      });
    });
  });

  describe('pages', () => {
    it.each([
      ['a JSON body', 'application/json', '{"email":"a@b.c"}'],
      ['a text body', 'text/plain', 'hello'],
      ['a form without CSRF token', form, 'email=a%40b.c&password=x'],
    ])('a sign-in post with %s is refused with 403', async (_label, contentType, body) => {
      const answer = await send('/interaction/abc/login', {
        method: 'POST',
        headers: { 'content-type': contentType, accept: 'text/html' },
        body,
      });
      expect(answer.status).toBe(403);
      expect(answer.text).toContain('This form has expired or was not sent by Gatehouse.');
    });

    it('malformed JSON is a 400', async () => {
      const answer = await send('/interaction/abc/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{bad',
      });
      expect(answer.status).toBe(400);
      expect(answer.json?.error).toBe('invalid_request');
    });

    it('an oversized form is 413', async () => {
      const answer = await send('/interaction/abc/login', {
        method: 'POST',
        headers: { 'content-type': form },
        body: `email=${'a'.repeat(200_000)}`,
      });
      expect(answer.status).toBe(413);
      expect(answer.json).toEqual({
        error: 'request_too_large',
        error_description: 'Request body is too large',
      });
    });

    it('an unknown path is a 404 page for browsers and JSON otherwise', async () => {
      const page = await send('/no/such/page', { headers: { accept: 'text/html' } });
      expect(page.status).toBe(404);
      expect(page.text).toContain('<h1 id="page-title">Page not found</h1>');
      const api = await send('/no/such/page');
      expect(api.status).toBe(404);
      expect(api.json).toEqual({
        error: 'not_found',
        error_description: 'Cannot GET /no/such/page',
      });
    });

    it('assets cannot escape their folder', async () => {
      expect((await send('/assets/..%2Fpackage.json')).status).toBe(404);
      expect((await send('/assets/gatehouse.css')).status).toBe(200);
    });
  });

  it('none of the above changed anything stored', async () => {
    const before = await storedRows();
    await send('/oauth/token', {
      method: 'POST',
      headers: { 'content-type': form, authorization: basic(service, 'wrong') },
      body: 'grant_type=client_credentials',
    });
    await send('/oauth/token', {
      method: 'POST',
      headers: { 'content-type': form, authorization: basic(web) },
      body: 'grant_type=refresh_token&refresh_token=garbage',
    });
    await send('/interaction/abc/login', {
      method: 'POST',
      headers: { 'content-type': form },
      body: 'email=a%40b.c&password=x',
    });
    await send('/oauth/revoke', {
      method: 'POST',
      headers: { 'content-type': form, authorization: basic(web) },
      body: 'token=never-issued',
    });
    expect(await storedRows()).toEqual(before);
  });
});
