import { postForm, userApiTokens } from '../support/api.js';
import { useTestApp } from '../support/e2e.js';
import type { TestClient } from '../support/test-app.js';

const SPA_ORIGIN = 'https://spa.example.com';
const EVIL_ORIGIN = 'https://evil.example.com';

const corsHeaders = (response: Response) =>
  Object.fromEntries(
    [...response.headers.entries()].filter(([name]) => name.startsWith('access-control-')),
  );

/**
 * Browser apps calling the API and the MCP server from their own origin (issue 13): CORS for
 * the origins of registered SPAs only, never `*` but on the public metadata; no CORS headers at
 * all on credentialed endpoints without an allowed Origin.
 */
describe('CORS of the resources, and of the endpoints browser apps call', () => {
  const setup = useTestApp();
  let spa: TestClient;
  let token: string;

  beforeAll(async () => {
    const { app, user } = setup;
    spa = await app.createClient({ type: 'spa', redirectUris: [`${SPA_ORIGIN}/callback`] });
    token = (await userApiTokens(app, user, 'drive.read', spa)).accessToken;
  });

  function preflight(path: string, origin: string, method = 'GET', headers = 'authorization') {
    return fetch(setup.app.url(path), {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': headers,
      },
    });
  }

  it.each([
    ['/api/drive/files', 'GET', 'authorization, dpop, content-type'],
    ['/api/drive/files/some-id', 'DELETE', 'authorization, dpop, content-type'],
    ['/mcp', 'POST', 'authorization, dpop, content-type, mcp-protocol-version'],
  ])(
    'a preflight to %s from a registered SPA origin is answered for that origin',
    async (path, method, allowed) => {
      const response = await preflight(path, SPA_ORIGIN, method, 'authorization,dpop');
      expect(response.status).toBe(204);
      expect(corsHeaders(response)).toEqual({
        'access-control-allow-origin': SPA_ORIGIN,
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
        'access-control-allow-headers': allowed,
        'access-control-expose-headers': 'WWW-Authenticate, DPoP-Nonce',
        'access-control-max-age': '600',
      });
      expect(response.headers.get('vary')).toBe('Origin');
    },
  );

  it("the SPA's requests carry its origin, and it may read the challenge and the DPoP nonce", async () => {
    const { app } = setup;
    const expose = 'WWW-Authenticate, DPoP-Nonce';
    const ok = await fetch(app.url('/api/drive/files'), {
      headers: { origin: SPA_ORIGIN, authorization: `Bearer ${token}` },
    });
    expect(ok.status).toBe(200);
    expect(corsHeaders(ok)).toEqual({
      'access-control-allow-origin': SPA_ORIGIN,
      'access-control-expose-headers': expose,
    });
    const refused = await fetch(app.url('/mcp'), {
      method: 'POST',
      headers: { origin: SPA_ORIGIN, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    expect(corsHeaders(refused)).toEqual({
      'access-control-allow-origin': SPA_ORIGIN,
      'access-control-expose-headers': expose,
    });
  });

  it('an origin no SPA is registered on gets no CORS headers, preflight or request', async () => {
    const { app } = setup;
    const refusedPreflight = await preflight('/api/drive/files', EVIL_ORIGIN);
    expect(refusedPreflight.status).toBe(404);
    expect(corsHeaders(refusedPreflight)).toEqual({});
    const request = await fetch(app.url('/api/drive/files'), {
      headers: { origin: EVIL_ORIGIN, authorization: `Bearer ${token}` },
    });
    expect(request.status).toBe(200);
    expect(corsHeaders(request)).toEqual({});
  });

  it.each(['/api/drive/files', '/mcp', '/oauth/token', '/oauth/userinfo', '/oauth/revoke'])(
    'a request to %s with no Origin carries no CORS header',
    async (path) => {
      const { app } = setup;
      const response = await fetch(app.url(path), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `client_id=${spa.clientId}&token=x&grant_type=refresh_token&refresh_token=x`,
      });
      expect(response.status).toBeLessThan(500);
      expect(corsHeaders(response)).toEqual({});
    },
  );

  it('the resource metadata is public: * for any origin, and with none', async () => {
    const { app } = setup;
    for (const headers of [{ origin: EVIL_ORIGIN }, {}] as Record<string, string>[]) {
      const response = await fetch(app.url('/.well-known/oauth-protected-resource/mcp'), {
        headers,
      });
      expect(response.status).toBe(200);
      expect(corsHeaders(response)).toEqual({ 'access-control-allow-origin': '*' });
    }
  });

  it('the revocation endpoint answers a SPA in JSON, which a strict JSON client (oidc-client-ts) accepts', async () => {
    const { app } = setup;
    const response = await fetch(app.url('/oauth/revoke'), {
      method: 'POST',
      headers: {
        origin: SPA_ORIGIN,
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        client_id: spa.clientId,
        token,
        token_type_hint: 'access_token',
      }),
    });
    expect([
      response.status,
      response.headers.get('content-type'),
      response.headers.get('access-control-allow-origin'),
      await response.text(),
    ]).toEqual([200, 'application/json; charset=utf-8', SPA_ORIGIN, '{}']);
    // And it did revoke.
    const after = await fetch(app.url('/api/drive/files'), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.status).toBe(401);
    // A confidential client's revocation answers the same.
    const web = await app.createClient({ type: 'web' });
    const other = await postForm(app, '/oauth/revoke', { token: 'unknown' }, web);
    expect([other.status, other.headers.get('content-type'), other.body]).toEqual([
      200,
      'application/json; charset=utf-8',
      {},
    ]);
  });
});
