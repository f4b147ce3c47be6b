import { useTestApp } from '../support/e2e.js';
import { TestApp } from '../support/test-app.js';
import {
  authorizationRequest,
  codeFlowWithNewClient,
  discover,
  expectPage,
  oidc,
} from '../support/oauth-client.js';

describe('sign-out (RP-initiated logout)', () => {
  const setup = useTestApp();

  it('ends the session and returns to the registered post-logout URI with state', async () => {
    const { app, user } = setup;
    const { tokens, client, config, ua } = await codeFlowWithNewClient(app, user, {
      type: 'web',
      postLogoutRedirectUris: ['https://app.example.com/signed-out'],
    });

    const logoutUrl = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'https://app.example.com/signed-out',
      state: 'bye',
    });
    const confirm = await ua.get(logoutUrl.href);
    expectPage(confirm, 'Do you want to sign out of Gatehouse');
    expect(confirm.body).toContain('<strong>web app</strong>');
    expect(confirm.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(confirm.body)!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(form[2])![1];

    const done = await ua.postForm(form[1], { xsrf, logout: 'yes' });
    expect(done.location).toBe('https://app.example.com/signed-out?state=bye');

    // The browser is signed out: a new authorization request asks for the password again.
    const request = await authorizationRequest(config, client);
    expectPage(await ua.get(request.url.href), 'Sign in');
  });

  it('refuses a post-logout URI that was not registered', async () => {
    const { app, user } = setup;
    const { tokens, config, ua } = await codeFlowWithNewClient(app, user, {
      type: 'web',
      postLogoutRedirectUris: ['https://app.example.com/signed-out'],
    });
    const visit = await ua.get(
      oidc.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: 'https://evil.example.com/',
      }).href,
    );
    expect(visit.status).toBe(400);
    expect(visit.location).toBeUndefined();
    expect(visit.body).toContain('post_logout_redirect_uri not registered');
  });
});

describe('a restart', () => {
  it('keeps signing keys, sessions and issued tokens valid', async () => {
    let app = await TestApp.start();
    try {
      const user = await app.createUser();
      const { tokens, client, ua } = await codeFlowWithNewClient(app, user, 'spa', {
        scope: 'openid offline_access',
        prompt: 'consent',
      });
      const jwksBefore = await (await fetch(app.url('/oauth/jwks'))).json();

      app = await app.restart();

      expect(await (await fetch(app.url('/oauth/jwks'))).json()).toEqual(jwksBefore);
      const config = await discover(app, client);
      // The ID token issued before the restart still verifies against the published keys.
      expect(
        await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub),
      ).toMatchObject({
        sub: user.id,
      });
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.access_token).toEqual(expect.any(String));
      // The browser session and the consent survived: straight back to the app.
      const request = await authorizationRequest(config, client, { scope: 'openid' });
      const visit = await ua.get(request.url.href);
      expect(visit.location).toMatch(/^https:\/\/app\.example\.com\/callback\?code=/);
    } finally {
      await app.close();
    }
  });
});

describe('the JWKS', () => {
  it('publishes only public keys, with key ids and algorithms', async () => {
    const app = await TestApp.start();
    try {
      const response = await fetch(app.url('/oauth/jwks'));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/jwk-set+json; charset=utf-8');
      const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
      expect(keys.map((k) => [k.kty, k.alg, k.use])).toEqual([
        ['RSA', 'RS256', 'sig'],
        ['EC', 'ES256', 'sig'],
      ]);
      for (const key of keys) {
        expect(key.kid).toEqual(expect.any(String));
        for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
          expect(key).not.toHaveProperty(privatePart);
        }
      }
    } finally {
      await app.close();
    }
  });
});
