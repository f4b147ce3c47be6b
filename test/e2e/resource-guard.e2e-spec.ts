import { createHmac } from 'node:crypto';
import type { JWK } from 'jose';
import { KeysService } from '../../src/keys/keys.service.js';
import {
  apiMetadata,
  callApi,
  codeFlowTokens,
  postForm,
  serviceToken,
  userApiTokens,
  type ApiResponse,
} from '../support/api.js';
import { forgeAccessToken } from '../support/forge.js';
import { oidc } from '../support/oauth-client.js';
import { GuardProbeModule } from '../support/guard-probe.module.js';
import { useTestApp } from '../support/e2e.js';
import { TestApp } from '../support/test-app.js';

const REALM = 'Gatehouse test';
const NO_CREDENTIALS = {
  message: 'This resource needs an access token, sent as "Authorization: Bearer <token>"',
};
const INVALID = 'The access token is invalid';
/** The issuer of the app under test, once it runs: challenges name its API's metadata. */
let issuer = '';

/** Asserts an RFC 6750 §3 answer: status, exact challenge, same code in the JSON body. */
function expectChallenge(
  response: ApiResponse,
  status: number,
  error?: { error: string; description: string; scope?: string },
): void {
  let challenge = `Bearer realm="${REALM}"`;
  if (error) {
    challenge += `, error="${error.error}", error_description="${error.description}"`;
    if (error.scope) {
      challenge += `, scope="${error.scope}"`;
    }
  }
  // RFC 9728 §5.1: every refusal names the resource's metadata.
  challenge += `, resource_metadata="${apiMetadata(issuer)}"`;
  expect({
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    cache: response.headers.get('cache-control'),
    type: response.headers.get('content-type'),
    body: response.body,
  }).toEqual({
    status,
    challenge,
    cache: 'no-store',
    type: 'application/json; charset=utf-8',
    body: error ? { error: error.error, error_description: error.description } : NO_CREDENTIALS,
  });
}

const invalidToken = { error: 'invalid_token', description: INVALID };
const malformed = (description: string) => ({ error: 'invalid_request', description });

/** The global guard, its decorators and RFC 6750 §2-3, on the real app (issue 3). */
describe('resource guard', () => {
  const setup = useTestApp({ env: { RESOURCE_REALM: REALM }, extraModules: [GuardProbeModule] });
  let readOnly: string;
  let writeOnly: string;
  let readWrite: string;
  let service: { clientId: string; token: string };
  let signingKey: JWK;

  beforeAll(async () => {
    const { app, user } = setup;
    issuer = app.issuer;
    [readOnly, writeOnly, readWrite] = await Promise.all(
      ['drive.read', 'drive.write', 'drive.read drive.write'].map(
        async (scope) => (await userApiTokens(app, user, scope)).accessToken,
      ),
    );
    const svc = await serviceToken(app);
    service = { clientId: svc.client.clientId, token: svc.accessToken };
    signingKey = app.app.get(KeysService).current.signing.find((key) => key.alg === 'RS256')!;
  });

  /** A token signed with the server's own key, for this user and service: see forge.ts. */
  const forge = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    forgeAccessToken(
      setup.app,
      { sub: setup.user.id, client_id: service.clientId, ...claims },
      header,
    );

  describe('no credentials: 401 and a bare challenge (RFC 6750 §3.1)', () => {
    it('no Authorization header', async () => {
      const { app } = setup;
      expectChallenge(await callApi(app, '/api/drive/files'), 401);
    });

    it('another authentication scheme', async () => {
      const { app } = setup;
      const response = await callApi(app, '/api/drive/files', {
        headers: { authorization: 'Basic dXNlcjpwYXNz' },
      });
      expectChallenge(response, 401);
    });

    it('on every protected route, including a POST', async () => {
      const { app } = setup;
      expectChallenge(await callApi(app, '/api/probe/handler/user', { method: 'POST' }), 401);
      expectChallenge(await callApi(app, '/api/drive/files/x', { method: 'DELETE' }), 401);
    });
  });

  describe('malformed requests: 400 invalid_request (RFC 6750 §2, §3.1)', () => {
    it.each([
      ['Bearer', 'The Bearer credentials are missing the access token'],
      ['Bearer a b', 'The Bearer credentials must be exactly one b64token (RFC 6750 section 2.1)'],
      [
        'Bearer tok%en',
        'The Bearer credentials must be exactly one b64token (RFC 6750 section 2.1)',
      ],
    ])('Authorization: %s', async (authorization, description) => {
      const { app } = setup;
      const response = await callApi(app, '/api/drive/files', { headers: { authorization } });
      expectChallenge(response, 400, malformed(description));
    });

    it('a token in the URI query, even alone (RFC 9700 §4.3.2)', async () => {
      const { app } = setup;
      const response = await callApi(app, `/api/drive/files?access_token=${readOnly}`);
      expectChallenge(
        response,
        400,
        malformed(
          'Access tokens in the URI query are not accepted; send them in the Authorization header',
        ),
      );
    });

    it('a token in the header and the query', async () => {
      const { app } = setup;
      const response = await callApi(app, `/api/drive/files?access_token=${readOnly}`, {
        token: readOnly,
      });
      expectChallenge(
        response,
        400,
        malformed(
          'The access token was sent in more than one place (Authorization header, URI query)',
        ),
      );
    });

    it('a token in the header and the form body', async () => {
      const { app } = setup;
      const response = await callApi(app, '/api/probe/handler/user', {
        method: 'POST',
        token: readOnly,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `access_token=${readOnly}`,
      });
      expectChallenge(
        response,
        400,
        malformed(
          'The access token was sent in more than one place (Authorization header, form body)',
        ),
      );
    });
  });

  describe('the form body method (RFC 6750 §2.2)', () => {
    it('is accepted on a POST', async () => {
      const { app } = setup;
      const response = await postForm(app, '/api/probe/handler/user', { access_token: readOnly });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({ ok: true });
    });
  });

  describe('refused tokens: 401 invalid_token that tells an attacker nothing', () => {
    it('an unknown opaque token', async () => {
      const { app } = setup;
      expectChallenge(
        await callApi(app, '/api/drive/files', { token: 'x'.repeat(43) }),
        401,
        invalidToken,
      );
    });

    it('a JWT with a tampered payload', async () => {
      const { app } = setup;
      const [header, , signature] = readOnly.split('.');
      const payload = JSON.parse(
        Buffer.from(readOnly.split('.')[1], 'base64url').toString(),
      ) as Record<string, unknown>;
      payload.scope = 'drive.read drive.write';
      const tampered = [
        header,
        Buffer.from(JSON.stringify(payload)).toString('base64url'),
        signature,
      ].join('.');
      expectChallenge(
        await callApi(app, '/api/drive/files', { token: tampered }),
        401,
        invalidToken,
      );
    });

    it('an expired token says so, and only that', async () => {
      const { app } = setup;
      const now = Math.floor(Date.now() / 1000);
      const token = await forge({ iat: now - 700, exp: now - 100 });
      expectChallenge(await callApi(app, '/api/drive/files', { token }), 401, {
        error: 'invalid_token',
        description: 'The access token expired',
      });
    });

    it('a token not yet valid (nbf in the future)', async () => {
      const { app } = setup;
      const token = await forge({ nbf: Math.floor(Date.now() / 1000) + 300 });
      expectChallenge(await callApi(app, '/api/probe/all', { token }), 401, invalidToken);
    });

    it('alg=none', async () => {
      const { app } = setup;
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const payload = JSON.parse(
        Buffer.from(readOnly.split('.')[1], 'base64url').toString(),
      ) as object;
      const token = `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(payload)}.`;
      expectChallenge(await callApi(app, '/api/probe/all', { token }), 401, invalidToken);
      expectChallenge(
        await callApi(app, '/api/probe/all', { token: `${token}AA` }),
        401,
        invalidToken,
      );
    });

    it('HS256 keyed with the server public key (algorithm confusion)', async () => {
      const { app, user } = setup;
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const input = `${encode({ alg: 'HS256', typ: 'at+jwt', kid: signingKey.kid })}.${encode({
        sub: user.id,
        client_id: service.clientId,
        scope: 'drive.read',
        iss: app.issuer,
        aud: `${app.issuer}/api`,
        iat: now,
        exp: now + 600,
      })}`;
      const publicJwk = {
        kty: signingKey.kty,
        n: signingKey.n,
        e: signingKey.e,
        kid: signingKey.kid,
      };
      for (const secret of [JSON.stringify(publicJwk), signingKey.n!]) {
        const signature = createHmac('sha256', secret).update(input).digest('base64url');
        const token = `${input}.${signature}`;
        expectChallenge(await callApi(app, '/api/probe/all', { token }), 401, invalidToken);
      }
    });

    it('an ID token presented as an access token', async () => {
      const { app, user } = setup;
      const { tokens } = await codeFlowTokens(app, user, 'openid drive.read');
      expectChallenge(
        await callApi(app, '/api/probe/all', { token: tokens.id_token! }),
        401,
        invalidToken,
      );
    });

    it('a userinfo (opaque, not API) access token', async () => {
      const { app, user } = setup;
      const { tokens } = await codeFlowTokens(app, user, 'openid profile');
      expectChallenge(
        await callApi(app, '/api/probe/handler/token', { token: tokens.access_token }),
        401,
        invalidToken,
      );
    });

    it.each([
      ['another resource', { aud: 'https://other.example.com/api' }],
      ['the issuer as audience', { aud: 'http://127.0.0.1' }],
      ['another issuer', { iss: 'https://evil.example.com' }],
    ])('a token for %s', async (_, claims) => {
      const { app } = setup;
      expectChallenge(
        await callApi(app, '/api/probe/all', { token: await forge(claims) }),
        401,
        invalidToken,
      );
    });

    it('an unknown kid', async () => {
      const { app } = setup;
      const token = await forge({}, { kid: 'not-a-key-of-ours' });
      expectChallenge(await callApi(app, '/api/probe/all', { token }), 401, invalidToken);
    });

    it('a token typed as something else (typ JWT)', async () => {
      const { app } = setup;
      const token = await forge({}, { typ: 'JWT' });
      expectChallenge(await callApi(app, '/api/probe/all', { token }), 401, invalidToken);
    });

    it('a token from another Gatehouse (its own keys and issuer)', async () => {
      const { app } = setup;
      const other = await TestApp.start();
      try {
        const { accessToken } = await serviceToken(other, 'drive.read');
        expectChallenge(
          await callApi(app, '/api/probe/handler/token', { token: accessToken }),
          401,
          invalidToken,
        );
      } finally {
        await other.close();
      }
    });

    it('the forging helper does make tokens the server accepts (so the refusals above mean something)', async () => {
      const { app } = setup;
      const response = await callApi(app, '/api/probe/all', { token: await forge({}) });
      expect(response.status).toBe(200);
    });
  });

  describe('scopes: 403 insufficient_scope with the required scope (RFC 6750 §3.1)', () => {
    const insufficient = (scope: string, any = false) => ({
      error: 'insufficient_scope',
      description: any
        ? 'The access token needs one of the scopes this operation accepts'
        : 'The access token lacks a scope this operation requires',
      scope,
    });

    it('@Scopes on the class applies to its handlers', async () => {
      const { app } = setup;
      expect((await callApi(app, '/api/probe/all', { token: readOnly })).status).toBe(200);
      expectChallenge(
        await callApi(app, '/api/probe/all', { token: writeOnly }),
        403,
        insufficient('drive.read'),
      );
    });

    it('@Scopes on class and handler: both apply', async () => {
      const { app } = setup;
      expect((await callApi(app, '/api/probe/all/and-handler', { token: readWrite })).status).toBe(
        200,
      );
      expectChallenge(
        await callApi(app, '/api/probe/all/and-handler', { token: readOnly }),
        403,
        insufficient('drive.write'),
      );
      expectChallenge(
        await callApi(app, '/api/probe/all/and-handler', { token: writeOnly }),
        403,
        insufficient('drive.read'),
      );
    });

    it('two @Scopes on one handler: both apply', async () => {
      const { app } = setup;
      expect((await callApi(app, '/api/probe/handler/both', { token: readWrite })).status).toBe(
        200,
      );
      expectChallenge(
        await callApi(app, '/api/probe/handler/both', { token: readOnly }),
        403,
        insufficient('drive.write'),
      );
    });

    it('@AnyScope on the class: either scope will do', async () => {
      const { app } = setup;
      for (const token of [readOnly, writeOnly, readWrite]) {
        expect((await callApi(app, '/api/probe/any', { token })).status).toBe(200);
      }
    });

    it('@AnyScope on the class and @Scopes on the handler', async () => {
      const { app } = setup;
      expectChallenge(
        await callApi(app, '/api/probe/any/and-handler', { token: readWrite }),
        403,
        insufficient('profile'),
      );
    });

    it('@AnyScope on a handler lists the alternatives', async () => {
      const { app } = setup;
      expect((await callApi(app, '/api/probe/handler/any', { token: writeOnly })).status).toBe(200);
      expectChallenge(
        await callApi(app, '/api/probe/handler/any', { token: readOnly }),
        403,
        insufficient('drive.write profile', true),
      );
    });

    it('a service token gets the same scope checks', async () => {
      const { app } = setup;
      expect(
        (await callApi(app, '/api/probe/all/and-handler', { token: service.token })).status,
      ).toBe(200);
    });

    it('@RequiresUser refuses a client credentials token', async () => {
      const { app } = setup;
      expectChallenge(
        await callApi(app, '/api/probe/handler/user', { method: 'POST', token: service.token }),
        403,
        {
          error: 'insufficient_scope',
          description:
            'This operation acts for a user; a client credentials token has none. Use a token a user authorized',
        },
      );
      expect(
        (await callApi(app, '/api/probe/handler/user', { method: 'POST', token: readOnly })).status,
      ).toBe(201);
    });
  });

  describe('@Public and the token context', () => {
    it('@Public on a handler: no token needed, and none is given to the handler', async () => {
      const { app } = setup;
      const response = await callApi(app, '/api/probe/all/public');
      expect(response).toMatchObject({ status: 200, body: { ok: true, token: null } });
    });

    it('@Public on a controller', async () => {
      const { app } = setup;
      expect(await callApi(app, '/api/probe/public')).toMatchObject({
        status: 200,
        body: { ok: true },
      });
    });

    it('pages, assets and health stay public', async () => {
      const { app } = setup;
      expect((await callApi(app, '/health')).status).toBe(200);
      expect((await callApi(app, '/assets/gatehouse.css')).status).toBe(200);
      expect((await callApi(app, '/.well-known/openid-configuration')).status).toBe(200);
    });

    it('an unknown API path is a 404, not a challenge', async () => {
      const { app } = setup;
      const response = await callApi(app, '/api/nothing-here', { token: readOnly });
      expect(response.status).toBe(404);
      expect(response.headers.get('www-authenticate')).toBeNull();
    });

    it('@AccessToken() gives the handler the verified context of a user token', async () => {
      const { app, user } = setup;
      const before = Date.now();
      const response = await callApi(app, '/api/probe/handler/token', { token: readWrite });
      expect(response.status).toBe(200);
      const body = response.body as Record<string, string>;
      expect(body).toEqual({
        subject: user.id,
        clientId: expect.stringMatching(/^[0-9a-f]{32}$/),
        scopes: ['drive.read', 'drive.write'],
        audience: [`${app.issuer}/api`],
        expiresAt: expect.any(String),
        issuedAt: expect.any(String),
        userPresent: true,
        jti: expect.any(String),
        grantKey: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      const lifetime = Date.parse(body.expiresAt) - before;
      expect(lifetime).toBeGreaterThan(590_000);
      expect(lifetime).toBeLessThanOrEqual(601_000);
    });

    it('@AccessToken() for a service: the client is the subject, no user', async () => {
      const { app } = setup;
      const response = await callApi(app, '/api/probe/handler/token', { token: service.token });
      expect(response.body).toMatchObject({
        subject: service.clientId,
        clientId: service.clientId,
        scopes: ['drive.read', 'drive.write'],
        userPresent: false,
      });
      expect(response.body).not.toHaveProperty('grantKey');
    });
  });
});

/** The same guard with opaque access tokens (ACCESS_TOKEN_FORMAT=opaque). */
describe('resource guard with opaque access tokens', () => {
  const setup = useTestApp({
    env: { ACCESS_TOKEN_FORMAT: 'opaque', RESOURCE_REALM: REALM },
    user: false,
    extraModules: [GuardProbeModule],
  });
  beforeAll(() => {
    issuer = setup.app.issuer;
  });

  it('accepts a user token and gives the same context', async () => {
    const { app } = setup;
    const user = await app.createUser();
    const { accessToken, client } = await userApiTokens(app, user, 'drive.read');
    expect(accessToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const response = await callApi(app, '/api/probe/handler/token', { token: accessToken });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      subject: user.id,
      clientId: client.clientId,
      scopes: ['drive.read'],
      audience: [`${app.issuer}/api`],
      expiresAt: expect.any(String),
      issuedAt: expect.any(String),
      userPresent: true,
      grantKey: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expectChallenge(await callApi(app, '/api/probe/all/and-handler', { token: accessToken }), 403, {
      error: 'insufficient_scope',
      description: 'The access token lacks a scope this operation requires',
      scope: 'drive.write',
    });
  });

  it('accepts a service token; refuses it where a user is required', async () => {
    const { app } = setup;
    const { accessToken } = await serviceToken(app, 'drive.read');
    expect((await callApi(app, '/api/probe/all', { token: accessToken })).status).toBe(200);
    expect(
      (await callApi(app, '/api/probe/handler/user', { method: 'POST', token: accessToken }))
        .status,
    ).toBe(403);
  });

  it('refuses an unknown opaque token', async () => {
    const { app } = setup;
    expectChallenge(
      await callApi(app, '/api/probe/all', { token: 'A'.repeat(43) }),
      401,
      invalidToken,
    );
  });

  it('keeps accepting JWTs issued before a switch to opaque (both formats are verified)', async () => {
    let switching = await TestApp.start({}, [GuardProbeModule]);
    try {
      const { accessToken } = await serviceToken(switching, 'drive.read');
      expect(accessToken.split('.')).toHaveLength(3);
      switching = await switching.restart({ ACCESS_TOKEN_FORMAT: 'opaque' });
      expect((await callApi(switching, '/api/probe/all', { token: accessToken })).status).toBe(200);
      const { accessToken: opaque } = await serviceToken(switching, 'drive.read');
      expect(opaque.split('.')).toHaveLength(1);
      expect((await callApi(switching, '/api/probe/all', { token: opaque })).status).toBe(200);
    } finally {
      await switching.close();
    }
  });

  it('an openid-client RP can call the API with the token', async () => {
    const { app } = setup;
    const { accessToken, config } = await serviceToken(app, 'drive.read');
    const response = await oidc.fetchProtectedResource(
      config,
      accessToken,
      new URL(app.url('/api/probe/all')),
      'GET',
    );
    expect(response.status).toBe(200);
  });
});

/** The verified-token cache never outlives a token (issue 3: "expiring no later than the token"). */
describe('resource guard: a cached JWT still expires on time', () => {
  const setup = useTestApp({
    env: { ACCESS_TOKEN_TTL: '2s', RESOURCE_REALM: REALM },
    user: false,
    extraModules: [GuardProbeModule],
  });
  beforeAll(() => {
    issuer = setup.app.issuer;
  });

  it('accepts the token (and caches it), then refuses it once expired', async () => {
    const { app } = setup;
    const { accessToken } = await serviceToken(app, 'drive.read');
    expect((await callApi(app, '/api/probe/all', { token: accessToken })).status).toBe(200);
    expect((await callApi(app, '/api/probe/all', { token: accessToken })).status).toBe(200);
    const { exp } = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as {
      exp: number;
    };
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 1100));
    expectChallenge(await callApi(app, '/api/probe/all', { token: accessToken }), 401, {
      error: 'invalid_token',
      description: 'The access token expired',
    });
  });
});

/** ACCESS_TOKEN_CACHE_SIZE=0: every request verifies the signature; the answers are the same. */
describe('resource guard without the verified-token cache', () => {
  const setup = useTestApp({
    env: { ACCESS_TOKEN_CACHE_SIZE: '0', RESOURCE_REALM: REALM },
    user: false,
    extraModules: [GuardProbeModule],
  });
  beforeAll(() => {
    issuer = setup.app.issuer;
  });

  it('accepts a token on every request and refuses it once revoked', async () => {
    const { app } = setup;
    const { client, accessToken } = await serviceToken(app, 'drive.read');
    for (let i = 0; i < 3; i++) {
      expect((await callApi(app, '/api/probe/all', { token: accessToken })).status).toBe(200);
    }
    expect((await postForm(app, '/oauth/revoke', { token: accessToken }, client)).status).toBe(200);
    expectChallenge(await callApi(app, '/api/probe/all', { token: accessToken }), 401, {
      error: 'invalid_token',
      description: 'The access token is invalid',
    });
  });
});
