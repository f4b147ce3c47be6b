import { ClientsService } from '../../src/oauth/clients/clients.service.js';
import { GrantsService } from '../../src/oauth/grants/grants.service.js';
import {
  apiMetadata,
  callApi,
  postForm,
  serviceToken,
  userApiTokens,
  type ApiResponse,
} from '../support/api.js';
import {
  authorizationRequest,
  codeFlowWithNewClient,
  expectPage,
  oidc,
} from '../support/oauth-client.js';
import { useTestApp } from '../support/e2e.js';
import { TestApp, type TestClient } from '../support/test-app.js';
import { eventually } from '../support/eventually.js';

const revoked = (issuer: string) => ({
  status: 401,
  challenge: `Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid", resource_metadata="${apiMetadata(issuer)}"`,
});

function outcome(response: ApiResponse) {
  return response.status === 200
    ? { status: 200 }
    : { status: response.status, challenge: response.headers.get('www-authenticate') };
}

/** Reads the Drive with `token` on `app` (or another instance). */
async function driveRead(app: TestApp, token: string) {
  return outcome(await callApi(app, '/api/drive/files', { token }));
}

async function revoke(app: TestApp, client: TestClient, token: string, hint?: string) {
  return postForm(
    app,
    '/oauth/revoke',
    { token, ...(hint ? { token_type_hint: hint } : {}) },
    client,
  );
}

async function refreshFails(app: TestApp, client: TestClient, refreshToken: string) {
  const response = await postForm(
    app,
    '/oauth/token',
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    client,
  );
  expect(response.status).toBe(400);
  expect(response.body).toMatchObject({ error: 'invalid_grant' });
}

/**
 * Revocation (RFC 7009) and its effect on the API: the very next request fails, for self-encoded
 * and opaque access tokens alike (issue 3).
 */
describe.each(['jwt', 'opaque'] as const)('revocation with %s access tokens', (format) => {
  const setup = useTestApp({
    env: { ACCESS_TOKEN_FORMAT: format, REVOCATION_SYNC_INTERVAL: '1s' },
  });

  it(`issues ${format} access tokens`, async () => {
    const { app, user } = setup;
    const { accessToken } = await userApiTokens(app, user, 'drive.read');
    expect(accessToken.split('.')).toHaveLength(format === 'jwt' ? 3 : 1);
    expect(await driveRead(app, accessToken)).toEqual({ status: 200 });
  });

  it("revoking the refresh token kills the grant's access tokens at once", async () => {
    const { app, user } = setup;
    const { client, accessToken, refreshToken } = await userApiTokens(app, user, 'drive.read');
    expect(await driveRead(app, accessToken)).toEqual({ status: 200 });
    const response = await revoke(app, client, refreshToken, 'refresh_token');
    expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: {} });
    expect(await driveRead(app, accessToken)).toEqual(revoked(app.issuer));
    await refreshFails(app, client, refreshToken);
  });

  it('revoking the access token: refused on the next request, and its refresh token with it', async () => {
    const { app, user } = setup;
    const { client, accessToken, refreshToken } = await userApiTokens(app, user, 'drive.read');
    expect(await driveRead(app, accessToken)).toEqual({ status: 200 });
    const response = await revoke(app, client, accessToken);
    expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: {} });
    expect(await driveRead(app, accessToken)).toEqual(revoked(app.issuer));
    // As oidc-provider does for opaque tokens (RFC 7009 §2.1 allows it): the grant's tokens go.
    await refreshFails(app, client, refreshToken);
  });

  it('after an access token is revoked, a new authorization of the same app works again', async () => {
    const { app, user } = setup;
    const { client, accessToken } = await userApiTokens(app, user, 'drive.read');
    await revoke(app, client, accessToken);
    expect(await driveRead(app, accessToken)).toEqual(revoked(app.issuer));
    // At once, not a second later: the tokens say when they were issued to the millisecond.
    const again = await userApiTokens(app, user, 'drive.read', client);
    expect(await driveRead(app, again.accessToken)).toEqual({ status: 200 });
  });

  it('a replayed refresh token (reuse detection) revokes the access tokens of its grant', async () => {
    const { app, user } = setup;
    const client = await app.createClient({
      type: 'spa',
      redirectUris: ['https://spa.example.com/cb'],
    });
    const first = await userApiTokens(app, user, 'drive.read', client);
    const rotated = await oidc.refreshTokenGrant(first.config, first.refreshToken);
    expect(await driveRead(app, rotated.access_token)).toEqual({ status: 200 });
    // The first refresh token again: a replay (RFC 9700 §4.14.2).
    await expect(oidc.refreshTokenGrant(first.config, first.refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect(await driveRead(app, rotated.access_token)).toEqual(revoked(app.issuer));
    expect(await driveRead(app, first.accessToken)).toEqual(revoked(app.issuer));
  });

  it('a user revoking the app: its tokens fail at once, and consent is asked again', async () => {
    const { app, user } = setup;
    const { tokens, client, config, ua } = await codeFlowWithNewClient(app, user, 'web', {
      scope: 'openid offline_access drive.read',
      prompt: 'consent',
    });
    expect(await driveRead(app, tokens.access_token)).toEqual({ status: 200 });
    // Remembered consent: the same browser goes straight back to the app.
    const again = await ua.get(
      (await authorizationRequest(config, client, { scope: 'openid drive.read' })).url.href,
    );
    expect(again.location).toMatch(/^https:\/\/app\.example\.com\/callback\?code=/);

    expect(await app.app.get(GrantsService).revokeApp(user.id, client.clientId)).toBe(1);
    expect(await driveRead(app, tokens.access_token)).toEqual(revoked(app.issuer));
    await refreshFails(app, client, tokens.refresh_token!);
    const afterwards = await ua.get(
      (await authorizationRequest(config, client, { scope: 'openid drive.read' })).url.href,
    );
    expectPage(afterwards, 'wants to access your account');
  });

  it('deleting the app kills its tokens at once', async () => {
    const { app, user } = setup;
    const { client, accessToken } = await userApiTokens(app, user, 'drive.read');
    const service = await serviceToken(app, 'drive.read');
    expect(await driveRead(app, accessToken)).toEqual({ status: 200 });
    await app.app.get(ClientsService).delete(client.clientId);
    await app.app.get(ClientsService).delete(service.client.clientId);
    expect(await driveRead(app, accessToken)).toEqual(revoked(app.issuer));
    const probe = await callApi(app, '/api/drive/files', { token: service.accessToken });
    expect(outcome(probe)).toEqual(revoked(app.issuer));
  });

  it("a service's client_credentials token can be revoked on its own", async () => {
    const { app } = setup;
    const { client, accessToken } = await serviceToken(app, 'drive.read');
    const other = await oidc.clientCredentialsGrant(
      (await serviceToken(app, 'drive.read')).config,
      {
        scope: 'drive.read',
      },
    );
    const probe = async (token: string) =>
      (await callApi(app, '/api/drive/files', { token })).status;
    // A service is no user: the Drive answers 403, which still shows the token is accepted.
    expect(await probe(accessToken)).toBe(403);
    expect((await revoke(app, client, accessToken)).status).toBe(200);
    expect(await probe(accessToken)).toBe(401);
    expect(await probe(other.access_token)).toBe(403);
  });

  it('revoking an unknown, malformed-looking or already revoked token is a 200 (RFC 7009 §2.2)', async () => {
    const { app } = setup;
    const client = await app.createClient({ type: 'web' });
    for (const token of ['x'.repeat(43), 'not.a.jwt', 'eyJhbGciOiJub25lIn0.e30.']) {
      const response = await revoke(app, client, token);
      expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: {} });
    }
  });

  it("a confidential client cannot revoke another client's token", async () => {
    const { app, user } = setup;
    const victim = await userApiTokens(app, user, 'drive.read');
    const attacker = await app.createClient({ type: 'web' });
    const response = await revoke(app, attacker, victim.accessToken);
    expect({ status: response.status, body: response.body }).toEqual({
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: 'client is not authorized to revoke the presented token',
      },
    });
    expect(await driveRead(app, victim.accessToken)).toEqual({ status: 200 });
  });

  it('revocation requires client authentication', async () => {
    const { app, user } = setup;
    const { client, accessToken } = await userApiTokens(app, user, 'drive.read');
    const response = await postForm(
      app,
      '/oauth/revoke',
      { token: accessToken },
      { ...client, clientSecret: 'wrong' },
    );
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'invalid_client' });
    expect(await driveRead(app, accessToken)).toEqual({ status: 200 });
  });

  it('another instance on the same database refuses the revoked token too', async () => {
    const { app, user } = setup;
    const other = await app.startAnotherInstance();
    try {
      const { client, accessToken } = await userApiTokens(app, user, 'drive.read');
      expect(await driveRead(other, accessToken)).toEqual({ status: 200 });
      await revoke(app, client, accessToken);
      expect(await driveRead(app, accessToken)).toEqual(revoked(app.issuer));
      // Opaque tokens are looked up on every request; JWT revocations arrive on the next sync.
      await eventually(
        async () => expect(await driveRead(other, accessToken)).toEqual(revoked(other.issuer)),
        3000,
      );
    } finally {
      await other.close();
    }
  });

  it('revocations survive a restart', async () => {
    const { user } = setup;
    let { app } = setup;
    const { client, accessToken } = await userApiTokens(app, user, 'drive.read');
    await revoke(app, client, accessToken);
    app = await setup.restart();
    expect(await driveRead(app, accessToken)).toEqual(revoked(app.issuer));
  });
});

/**
 * On PostgreSQL, instances hear of a revocation the moment it commits (LISTEN/NOTIFY): here
 * the periodic sync is an hour apart, so only the notification can explain the refusal.
 */
(process.env.TEST_DATABASE_URL ? describe : describe.skip)(
  'revocation across instances on PostgreSQL',
  () => {
    const setup = useTestApp({ env: { REVOCATION_SYNC_INTERVAL: '1h' } });

    it('reaches another instance at once, without waiting for the sync', async () => {
      const { app, user } = setup;
      const other = await app.startAnotherInstance();
      try {
        const { client, accessToken } = await userApiTokens(app, user, 'drive.read');
        expect(await driveRead(other, accessToken)).toEqual({ status: 200 });
        await revoke(app, client, accessToken);
        // The next sync is an hour away: only the notification can make the other refuse it.
        await eventually(async () =>
          expect(await driveRead(other, accessToken)).toEqual(revoked(other.issuer)),
        );
      } finally {
        await other.close();
      }
    });
  },
);
