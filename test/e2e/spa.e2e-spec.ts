import { userApiTokens } from '../support/api.js';
import { oidc } from '../support/oauth-client.js';
import { useTestApp } from '../support/e2e.js';
import type { TestClient } from '../support/test-app.js';

const SPA_ORIGIN = 'https://spa.example.com';
const EVIL_ORIGIN = 'https://evil.example.com';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Browser apps ("OAuth 2.0 for Browser-Based Applications"): CORS only for registered origins,
 * refresh tokens that rotate and end at an absolute lifetime. SPA_REFRESH_TOKEN_TTL is 3 s here.
 */
describe('Single-page apps', () => {
  const setup = useTestApp({ env: { SPA_REFRESH_TOKEN_TTL: '3s' } });
  let spa: TestClient;

  beforeAll(async () => {
    const { app } = setup;
    spa = await app.createClient({ type: 'spa', redirectUris: [`${SPA_ORIGIN}/callback`] });
  });

  function preflight(path: string, origin: string) {
    const { app } = setup;
    return fetch(app.url(path), {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
  }

  describe('CORS', () => {
    it.each(['/oauth/token', '/oauth/userinfo', '/oauth/revoke'])(
      'a preflight to %s is allowed for a registered SPA origin, never with *',
      async (path) => {
        const response = await preflight(path, SPA_ORIGIN);
        expect(response.status).toBe(204);
        expect(response.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
        expect(response.headers.get('access-control-allow-methods')).toContain('POST');
      },
    );

    it.each([
      ['/oauth/token', EVIL_ORIGIN],
      ['/oauth/userinfo', EVIL_ORIGIN],
      ['/oauth/revoke', EVIL_ORIGIN],
      // Even a registered SPA has no business with these.
      ['/oauth/introspect', SPA_ORIGIN],
      ['/oauth/device/auth', SPA_ORIGIN],
      ['/oauth/par', SPA_ORIGIN],
    ])('a preflight to %s from %s is refused without CORS headers', async (path, origin) => {
      const response = await preflight(path, origin);
      expect(response.status).toBe(403);
      expect([...response.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual(
        [],
      );
    });

    it('the authorization endpoint is a navigation, never CORS', async () => {
      const { app } = setup;
      const response = await fetch(app.url('/oauth/authorize'), {
        method: 'OPTIONS',
        headers: { origin: SPA_ORIGIN },
      });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });

    it("a token response is readable by the SPA's origin only; an unknown origin reads not even errors", async () => {
      const { app } = setup;
      const body = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: 'nonsense',
        client_id: spa.clientId,
      });
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      const fromSpa = await fetch(app.url('/oauth/token'), {
        method: 'POST',
        headers: { ...headers, origin: SPA_ORIGIN },
        body,
      });
      expect(fromSpa.status).toBe(400);
      expect(fromSpa.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);

      const fromEvil = await fetch(app.url('/oauth/token'), {
        method: 'POST',
        headers: { ...headers, origin: EVIL_ORIGIN },
        body,
      });
      expect(fromEvil.status).toBe(400);
      expect(fromEvil.headers.get('access-control-allow-origin')).toBeNull();

      // Another app's registered origin is not this app's.
      await app.createClient({
        type: 'spa',
        redirectUris: ['https://other-spa.example.com/cb'],
      });
      const crossApp = await fetch(app.url('/oauth/token'), {
        method: 'POST',
        headers: { ...headers, origin: 'https://other-spa.example.com' },
        body,
      });
      expect(crossApp.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('refresh tokens', () => {
    it('rotate on every use, and all end SPA_REFRESH_TOKEN_TTL after the first', async () => {
      const { app, user } = setup;
      const first = await userApiTokens(app, user, 'drive.read', spa);
      const rotated = await oidc.refreshTokenGrant(first.config, first.refreshToken);
      expect(rotated.refresh_token).toBeDefined();
      expect(rotated.refresh_token).not.toBe(first.refreshToken);
      const again = await oidc.refreshTokenGrant(first.config, rotated.refresh_token!);

      await sleep(3200);
      await expect(
        oidc.refreshTokenGrant(first.config, again.refresh_token!),
      ).rejects.toMatchObject({
        error: 'invalid_grant',
      });
    });

    it('a confidential web app is not bound by the SPA lifetime', async () => {
      const { app, user } = setup;
      const web = await userApiTokens(app, user, 'drive.read');
      await sleep(3200);
      const refreshed = await oidc.refreshTokenGrant(web.config, web.refreshToken);
      expect(refreshed.access_token).toBeDefined();
    });
  });
});
