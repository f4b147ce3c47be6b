import { decodeJwt, decodeProtectedHeader } from 'jose';
import { AuditLog } from '../../src/audit/audit-log.service.js';
import { ClientsService } from '../../src/oauth/clients/clients.service.js';
import { GrantsService } from '../../src/oauth/grants/grants.service.js';
import { UserLifecycle } from '../../src/people/user-lifecycle.service.js';
import { grantKey } from '../../src/tokens/revocation-list.js';
import {
  callApi,
  postForm,
  serviceToken,
  userApiTokens,
  type ApiResponse,
} from '../support/api.js';
import { useTestApp } from '../support/e2e.js';
import type { TestApp, TestClient, TestUser } from '../support/test-app.js';

/** RFC 8693 token exchange: a service acting for a user at another resource server. */

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/** A token request of the exchange grant, the subject token an access token unless said. */
function exchange(
  app: TestApp,
  client: TestClient,
  subjectToken: string,
  form: Record<string, string> = {},
): Promise<ApiResponse> {
  return postForm(
    app,
    '/oauth/token',
    {
      grant_type: GRANT,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN,
      ...form,
    },
    client,
  );
}

/** A confidential service allowed to exchange tokens for the API (`--token-exchange`). */
function exchanger(app: TestApp, scope = 'drive.read drive.write'): Promise<TestClient> {
  return app.createClient({
    type: 'service',
    scope,
    tokenExchangeAudiences: [`${app.issuer}/api`],
  });
}

/** The grant id under which the user's token for `client` was issued. */
async function grantIdOf(app: TestApp, user: TestUser, client: TestClient): Promise<string> {
  const grants = await app.app.get(GrantsService).listForAccount(user.id);
  return grants.find((grant) => grant.clientId === client.clientId)!.grantId;
}

function refusal(response: ApiResponse) {
  return { status: response.status, error: (response.body as { error?: string }).error };
}

const files = (app: TestApp, token: string) => callApi(app, '/api/drive/files', { token });

describe('token exchange (JWT access tokens)', () => {
  const setup = useTestApp();

  it('is advertised in both discovery documents', async () => {
    const { app } = setup;
    for (const path of [
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
    ]) {
      const metadata = (await (await fetch(app.url(path))).json()) as {
        grant_types_supported: string[];
      };
      expect(metadata.grant_types_supported).toContain(GRANT);
    }
  });

  it("gives a service a token acting for the user: the user's, fewer scopes, with act", async () => {
    const { app, user } = setup;
    const { client: web, accessToken } = await userApiTokens(app, user);
    const service = await exchanger(app);
    const before = Math.floor(Date.now() / 1000);
    const response = await exchange(app, service, accessToken, {
      resource: `${app.issuer}/api`,
      scope: 'drive.read',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toEqual({
      access_token: expect.any(String),
      issued_token_type: ACCESS_TOKEN,
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      scope: 'drive.read',
    });
    const { expires_in: expiresIn } = response.body as { expires_in: number };
    const token = (response.body as { access_token: string }).access_token;
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
    const claims = decodeJwt(token);
    expect(claims).toEqual({
      iss: app.issuer,
      sub: user.id,
      aud: `${app.issuer}/api`,
      client_id: service.clientId,
      scope: 'drive.read',
      act: { sub: service.clientId },
      gid: grantKey(await grantIdOf(app, user, web)),
      gcid: web.clientId,
      jti: expect.any(String),
      iat: expect.any(Number),
      iat_ms: expect.any(Number),
      exp: expect.any(Number),
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    // ACCESS_TOKEN_TTL (10 minutes), but never longer than the subject token's own lifetime.
    expect(claims.exp).toBe(claims.iat! + expiresIn);
    expect(expiresIn).toBeLessThanOrEqual(600);
    expect(claims.exp).toBeLessThanOrEqual(decodeJwt(accessToken).exp!);

    // The API takes it for the user, with its scopes only.
    expect((await files(app, token)).status).toBe(200);
    const write = await callApi(app, '/api/drive/files', {
      method: 'POST',
      token,
      body: { name: 'x.txt', content: 'x' },
    });
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  it('is audited with the client, the user, the audience, the scopes and the grant', async () => {
    const { app, user } = setup;
    const { client: web, accessToken } = await userApiTokens(app, user);
    const service = await exchanger(app);
    expect((await exchange(app, service, accessToken, { scope: 'drive.read' })).status).toBe(200);
    const { events } = await app.app
      .get(AuditLog)
      .list({ event: 'token.exchanged', clientId: service.clientId, limit: 10 });
    expect(events).toEqual([
      expect.objectContaining({
        outcome: 'success',
        actorId: service.clientId,
        clientId: service.clientId,
        details: {
          account_id: user.id,
          audience: `${app.issuer}/api`,
          scope: 'drive.read',
          grant: grantKey(await grantIdOf(app, user, web)),
          subject_client_id: web.clientId,
        },
      }),
    ]);
  });

  it('without scope or resource: every scope the subject has and the client may, for its audience', async () => {
    const { app, user } = setup;
    const { accessToken } = await userApiTokens(app, user, 'drive.read drive.write');
    const service = await exchanger(app, 'drive.read');
    const response = await exchange(app, service, accessToken);
    expect(response.status).toBe(200);
    expect((response.body as { scope: string }).scope).toBe('drive.read');
  });

  it('exchanging an exchanged token nests the earlier actor (RFC 8693 §4.1)', async () => {
    const { app, user } = setup;
    const { accessToken } = await userApiTokens(app, user);
    const [first, second] = [await exchanger(app), await exchanger(app)];
    const once = (await exchange(app, first, accessToken)).body as { access_token: string };
    const twice = await exchange(app, second, once.access_token, { scope: 'drive.read' });
    expect(twice.status).toBe(200);
    const claims = decodeJwt((twice.body as { access_token: string }).access_token);
    expect(claims.act).toEqual({ sub: second.clientId, act: { sub: first.clientId } });
    expect(claims.sub).toBe(user.id);
  });

  it('introspection describes the exchanged token with act', async () => {
    const { app, user } = setup;
    const { accessToken } = await userApiTokens(app, user);
    const service = await exchanger(app);
    const token = ((await exchange(app, service, accessToken)).body as { access_token: string })
      .access_token;
    const resourceServer = await app.createClient({ type: 'service', introspection: true });
    const introspected = await postForm(app, '/oauth/introspect', { token }, resourceServer);
    expect(introspected.status).toBe(200);
    expect(introspected.body).toMatchObject({
      active: true,
      sub: user.id,
      client_id: service.clientId,
      aud: `${app.issuer}/api`,
      scope: 'drive.read drive.write',
      act: { sub: service.clientId },
    });
  });

  describe('refusals (RFC 8693 §2.2.2)', () => {
    it('a client not registered for it: unauthorized_client', async () => {
      const { app, user } = setup;
      const { accessToken } = await userApiTokens(app, user);
      const plain = await app.createClient({ type: 'service' });
      const response = await exchange(app, plain, accessToken);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: 'unauthorized_client',
        error_description: 'requested grant type is not allowed for this client',
      });
    });

    it('a public client: unauthorized_client; and it cannot be registered for it', async () => {
      const { app, user } = setup;
      const { accessToken } = await userApiTokens(app, user);
      const spa = await app.createClient({ type: 'spa' });
      expect(refusal(await exchange(app, spa, accessToken))).toEqual({
        status: 400,
        error: 'unauthorized_client',
      });
      await expect(
        app.app.get(ClientsService).create({
          name: 'Browser app',
          type: 'spa',
          redirectUris: ['https://app.example.com/cb'],
          tokenExchangeAudiences: [`${app.issuer}/api`],
        }),
      ).rejects.toThrow('only confidential applications (web, service) can exchange tokens');
    });

    it('no client authentication: invalid_client', async () => {
      const { app, user } = setup;
      const { accessToken } = await userApiTokens(app, user);
      const response = await postForm(app, '/oauth/token', {
        grant_type: GRANT,
        subject_token: accessToken,
        subject_token_type: ACCESS_TOKEN,
      });
      expect(refusal(response)).toEqual({ status: 401, error: 'invalid_client' });
    });

    it('a scope wider than the subject token: invalid_scope', async () => {
      const { app, user } = setup;
      const { accessToken } = await userApiTokens(app, user, 'drive.read');
      const service = await exchanger(app);
      const response = await exchange(app, service, accessToken, {
        scope: 'drive.read drive.write',
      });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: 'invalid_scope',
        error_description: 'requested scope is wider than the subject_token',
        scope: 'drive.write',
      });
    });

    it('a scope the client was not registered for: invalid_scope', async () => {
      const { app, user } = setup;
      const { accessToken } = await userApiTokens(app, user);
      const service = await exchanger(app, 'drive.read');
      expect(refusal(await exchange(app, service, accessToken, { scope: 'drive.write' }))).toEqual({
        status: 400,
        error: 'invalid_scope',
      });
    });

    it('no scope, and none the subject token has that the client may have: invalid_scope', async () => {
      const { app, user } = setup;
      const { accessToken } = await userApiTokens(app, user, 'drive.read');
      const service = await exchanger(app, 'drive.write');
      const response = await exchange(app, service, accessToken);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: 'invalid_scope',
        error_description: 'no scope of the subject_token can be exchanged for this audience',
      });
    });

    it.each(['resource', 'audience'])(
      'a %s the client may not ask for: invalid_target',
      async (parameter) => {
        const { app, user } = setup;
        const { accessToken } = await userApiTokens(app, user);
        const service = await exchanger(app);
        const response = await exchange(app, service, accessToken, {
          [parameter]: 'https://other.example.com/api',
        });
        expect(response.status).toBe(400);
        expect(response.body).toEqual({
          error: 'invalid_target',
          error_description: 'the client may not exchange tokens for this resource or audience',
        });
      },
    );

    it("a revoked authorization's token: invalid_request", async () => {
      const { app, user } = setup;
      const { client: web, accessToken } = await userApiTokens(app, user);
      const service = await exchanger(app);
      await app.app.get(GrantsService).revokeApp(user.id, web.clientId);
      const response = await exchange(app, service, accessToken);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: 'invalid_request',
        error_description: 'subject_token is invalid, expired or revoked',
      });
      const { events } = await app.app
        .get(AuditLog)
        .list({ event: 'token.exchanged', clientId: service.clientId, limit: 10 });
      expect(events).toEqual([
        expect.objectContaining({
          outcome: 'failure',
          details: {
            audience: `${app.issuer}/api`,
            error: 'invalid_request',
            reason: 'subject_token is invalid, expired or revoked',
          },
        }),
      ]);
    });

    it('a refresh token, an ID token or a client credentials token: invalid_request', async () => {
      const { app, user } = setup;
      const { tokens, refreshToken } = await userApiTokens(app, user);
      const service = await exchanger(app);
      const { accessToken: serviceAccessToken } = await serviceToken(app);
      for (const subject of [refreshToken, tokens.id_token!, serviceAccessToken, 'garbage']) {
        expect(refusal(await exchange(app, service, subject))).toEqual({
          status: 400,
          error: 'invalid_request',
        });
      }
      for (const type of ['refresh_token', 'id_token']) {
        const response = await exchange(app, service, refreshToken, {
          subject_token_type: `urn:ietf:params:oauth:token-type:${type}`,
        });
        expect(response.body).toEqual({
          error: 'invalid_request',
          error_description: `subject_token_type must be ${ACCESS_TOKEN}`,
        });
      }
    });

    it('a malformed request: invalid_request', async () => {
      const { app, user } = setup;
      const { accessToken } = await userApiTokens(app, user);
      const service = await exchanger(app);
      const cases: [Record<string, string>, string][] = [
        [{ subject_token: '' }, "missing required parameter 'subject_token'"],
        [{ subject_token_type: '' }, "missing required parameter 'subject_token_type'"],
        [
          { actor_token: accessToken, actor_token_type: ACCESS_TOKEN },
          'actor_token is not supported: the authenticated client is the actor',
        ],
        [
          { requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' },
          `requested_token_type must be ${ACCESS_TOKEN}`,
        ],
      ];
      for (const [form, description] of cases) {
        const response = await exchange(app, service, accessToken, form);
        expect(response.body).toEqual({
          error: 'invalid_request',
          error_description: description,
        });
      }
    });
  });

  describe('the exchanged token dies with the user authorization', () => {
    async function exchangedToken() {
      const { app, user } = setup;
      const { client: web, accessToken } = await userApiTokens(app, user);
      const service = await exchanger(app);
      const token = ((await exchange(app, service, accessToken)).body as { access_token: string })
        .access_token;
      expect((await files(app, token)).status).toBe(200);
      return { web, service, token };
    }

    it('the user takes back the app whose token it was', async () => {
      const { app, user } = setup;
      const { web, token } = await exchangedToken();
      await app.app.get(GrantsService).revokeApp(user.id, web.clientId);
      expect((await files(app, token)).status).toBe(401);
    });

    it('that app is deleted', async () => {
      const { app } = setup;
      const { web, token } = await exchangedToken();
      await app.app.get(ClientsService).delete(web.clientId);
      expect((await files(app, token)).status).toBe(401);
    });

    it('the exchanging app is deleted', async () => {
      const { app } = setup;
      const { service, token } = await exchangedToken();
      await app.app.get(ClientsService).delete(service.clientId);
      expect((await files(app, token)).status).toBe(401);
    });

    it('the user is disabled', async () => {
      const { app } = setup;
      const someone = await app.createUser();
      const { client: web, accessToken } = await userApiTokens(app, someone);
      const service = await exchanger(app);
      const token = ((await exchange(app, service, accessToken)).body as { access_token: string })
        .access_token;
      expect((await files(app, token)).status).toBe(200);
      await app.app.get(UserLifecycle).disable(someone.id, { id: 'cli' });
      expect((await files(app, token)).status).toBe(401);
      void web;
    });
  });
});

describe('token exchange (opaque access tokens)', () => {
  const setup = useTestApp({ env: { ACCESS_TOKEN_FORMAT: 'opaque' } });

  async function exchangedToken() {
    const { app, user } = setup;
    const { client: web, accessToken } = await userApiTokens(app, user);
    const service = await exchanger(app);
    const response = await exchange(app, service, accessToken, { scope: 'drive.read' });
    expect(response.status).toBe(200);
    const token = (response.body as { access_token: string }).access_token;
    return { web, service, token };
  }

  it('is opaque, works at the API, and introspection shows act', async () => {
    const { app, user } = setup;
    const { service, token } = await exchangedToken();
    expect(token).toMatch(/^[\w-]{43}$/);
    expect((await files(app, token)).status).toBe(200);
    const resourceServer = await app.createClient({ type: 'service', introspection: true });
    const introspected = await postForm(app, '/oauth/introspect', { token }, resourceServer);
    expect(introspected.status).toBe(200);
    expect(introspected.body).toEqual({
      active: true,
      client_id: service.clientId,
      sub: user.id,
      aud: `${app.issuer}/api`,
      scope: 'drive.read',
      act: { sub: service.clientId },
      iss: app.issuer,
      iat: expect.any(Number),
      exp: expect.any(Number),
      token_type: 'Bearer',
    });
  });

  it('dies with the user authorization: the API and introspection refuse it', async () => {
    const { app, user } = setup;
    const { web, token } = await exchangedToken();
    await app.app.get(GrantsService).revokeApp(user.id, web.clientId);
    expect((await files(app, token)).status).toBe(401);
    const resourceServer = await app.createClient({ type: 'service', introspection: true });
    const introspected = await postForm(app, '/oauth/introspect', { token }, resourceServer);
    expect(introspected.body).toEqual({ active: false });
  });

  it('dies with the app whose token it was', async () => {
    const { app } = setup;
    const { web, token } = await exchangedToken();
    await app.app.get(ClientsService).delete(web.clientId);
    expect((await files(app, token)).status).toBe(401);
  });
});
