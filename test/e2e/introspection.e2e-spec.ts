import { callApi, codeFlowTokens, postForm, serviceToken, userApiTokens } from '../support/api.js';
import { forgeAccessToken } from '../support/forge.js';
import { useTestApp } from '../support/e2e.js';
import { TestApp, type TestClient } from '../support/test-app.js';

/**
 * Token introspection (RFC 7662) is internal: only resource servers may call it, and a token
 * that is not active reveals nothing but `{"active": false}` (issue 3).
 */
describe.each(['jwt', 'opaque'] as const)('introspection with %s access tokens', (format) => {
  const setup = useTestApp({ env: { ACCESS_TOKEN_FORMAT: format } });
  let resourceServer: TestClient;

  beforeAll(async () => {
    const { app } = setup;
    resourceServer = await app.createClient({ type: 'service', introspection: true });
  });

  const introspect = (token: string, client: TestClient = resourceServer) =>
    postForm(setup.app, '/oauth/introspect', { token }, client);

  async function expectInactive(token: string): Promise<void> {
    const response = await introspect(token);
    expect({ status: response.status, body: response.body }).toEqual({
      status: 200,
      body: { active: false },
    });
  }

  it("describes a user's active access token", async () => {
    const { app, user } = setup;
    const { client, accessToken } = await userApiTokens(app, user, 'drive.read drive.write');
    const response = await introspect(accessToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toMatchObject({
      active: true,
      sub: user.id,
      client_id: client.clientId,
      scope: 'drive.read drive.write',
      iss: app.issuer,
      aud: `${app.issuer}/api`,
      token_type: 'Bearer',
      exp: expect.any(Number),
      iat: expect.any(Number),
    });
    const { exp, iat } = response.body as { exp: number; iat: number };
    expect(exp - iat).toBe(600);
  });

  it("describes a service's token: the service is the subject", async () => {
    const { app } = setup;
    const { client, accessToken } = await serviceToken(app, 'drive.read');
    const response = await introspect(accessToken);
    expect(response.body).toMatchObject({
      active: true,
      client_id: client.clientId,
      scope: 'drive.read',
      aud: `${app.issuer}/api`,
    });
  });

  it('an unknown token: {"active": false} and nothing else', async () => {
    await expectInactive('x'.repeat(43));
    await expectInactive('not-even-close');
  });

  it('an expired token', async () => {
    const { app } = setup;
    const now = Math.floor(Date.now() / 1000);
    await expectInactive(await forgeAccessToken(app, { iat: now - 700, exp: now - 100 }));
  });

  it('a revoked token', async () => {
    const { app, user } = setup;
    const { client, accessToken } = await userApiTokens(app, user, 'drive.read');
    expect((await postForm(app, '/oauth/revoke', { token: accessToken }, client)).status).toBe(200);
    await expectInactive(accessToken);
  });

  it('a token of an app that was deleted', async () => {
    const { app } = setup;
    const { client, accessToken } = await serviceToken(app, 'drive.read');
    await callApi(app, '/health');
    const { ClientsService } = await import('../../src/oauth/clients/clients.service.js');
    await app.app.get(ClientsService).delete(client.clientId);
    await expectInactive(accessToken);
  });

  it('a foreign token: another server, another audience, an ID token', async () => {
    const { app, user } = setup;
    const other = await TestApp.start();
    try {
      await expectInactive((await serviceToken(other, 'drive.read')).accessToken);
    } finally {
      await other.close();
    }
    await expectInactive(await forgeAccessToken(app, { aud: 'https://elsewhere.example.com' }));
    const { tokens } = await codeFlowTokens(app, user, 'openid');
    await expectInactive(tokens.id_token!);
  });

  it('a client without the introspection permission gets 403, whatever the token', async () => {
    const { app, user } = setup;
    const { accessToken } = await userApiTokens(app, user, 'drive.read');
    const confidential = await app.createClient({ type: 'service' });
    const web = await app.createClient({ type: 'web' });
    const spa = await app.createClient({
      type: 'spa',
      redirectUris: ['https://spa.example.com/cb'],
    });
    for (const client of [confidential, web, spa]) {
      for (const token of [accessToken, 'x'.repeat(43)]) {
        const response = await introspect(token, client);
        expect({ status: response.status, body: response.body }).toEqual({
          status: 403,
          body: {
            error: 'access_denied',
            error_description: 'only resource servers may introspect tokens',
          },
        });
      }
    }
  });

  it('no or wrong client authentication: 401 invalid_client', async () => {
    const { app, user } = setup;
    const { accessToken } = await userApiTokens(app, user, 'drive.read');
    const anonymous = await callApi(app, '/oauth/introspect', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: accessToken }).toString(),
    });
    expect({
      status: anonymous.status,
      challenge: anonymous.headers.get('www-authenticate'),
      body: anonymous.body,
    }).toEqual({
      status: 401,
      challenge: `Basic realm="${app.issuer}"`,
      body: { error: 'invalid_client', error_description: 'client authentication is required' },
    });
    const wrong = await introspect(accessToken, { ...resourceServer, clientSecret: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: 'invalid_client' });
  });
});
