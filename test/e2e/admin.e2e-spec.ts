import { apiMetadata, callApi, postForm, userApiTokens } from '../support/api.js';
import {
  authorizationRequest,
  discover,
  expectPage,
  oidc,
  signInAt,
} from '../support/oauth-client.js';
import { DataSource } from 'typeorm';
import { Sql } from '../../src/database/sql.js';
import { useTestApp } from '../support/e2e.js';
import { TestApp } from '../support/test-app.js';
import { hiddenField, UserAgent, type Visit } from '../support/user-agent.js';

/** The client id and secret shown on an application's page right after it was created. */
function shownOnce(page: Visit): { clientId: string; secret?: string } {
  return {
    clientId: /<code id="client-id">([^<]+)<\/code>/.exec(page.body)![1],
    secret: /<input id="client-secret" type="text" readonly value="([^"]+)">/.exec(page.body)?.[1],
  };
}

async function clientCredentials(app: TestApp, clientId: string, secret: string) {
  return postForm(
    app,
    '/oauth/token',
    { grant_type: 'client_credentials', scope: 'drive.read' },
    { clientId, clientSecret: secret, redirectUri: '' },
  );
}

describe('Administration pages (/admin)', () => {
  const setup = useTestApp({ user: { admin: true, name: 'Ada Admin' } });
  let ua: UserAgent;
  let csrf: string;

  beforeAll(async () => {
    const { app, user: admin } = setup;
    ua = new UserAgent(app.issuer);
    const list = await signInAt(ua, admin, '/admin/apps');
    expectPage(list, 'Applications');
    csrf = hiddenField((await ua.get('/admin/apps/new')).body, '_csrf');
  });

  function register(fields: Record<string, string | string[]>): Promise<Visit> {
    const body = new URLSearchParams({ _csrf: csrf });
    for (const [name, value] of Object.entries(fields)) {
      for (const one of [value].flat()) {
        body.append(name, one);
      }
    }
    return ua.postForm('/admin/apps', body);
  }

  it('sends a visitor through the login page, and shows a non-admin a 403 page', async () => {
    const { app } = setup;
    const visitor = await new UserAgent(app.issuer).raw('/admin/apps');
    expect(visitor.status).toBe(303);
    expect(visitor.headers.get('location')).toContain(
      '/oauth/authorize?client_id=gatehouse-account',
    );

    const user = await app.createUser();
    const refused = await signInAt(new UserAgent(app.issuer), user, '/admin/apps');
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('Only administrators may use these pages.');
  });

  it.each([
    ['web', { redirect_uris: 'https://web.example.com/cb' }, true],
    ['spa', { redirect_uris: 'https://spa.example.com/cb' }, false],
    ['native', { redirect_uris: 'com.example.app:/cb\nhttp://127.0.0.1/cb' }, false],
    ['device', {}, false],
    ['service', { scope: 'drive.read' }, true],
  ])(
    'registers a %s app; a secret, if any, is shown on that page only',
    async (type, extra, confidential) => {
      const { app } = setup;
      const created = await register({
        name: `My ${type} app`,
        type,
        allow_scope_removal: 'on',
        ...extra,
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('cache-control')).toBe('no-store');
      expect(created.body).toContain(`Registered My ${type} app.`);
      const { clientId, secret } = shownOnce(created);
      if (confidential) {
        expect(secret).toMatch(/^[\w-]{43}$/);
        expect(created.body).toContain('Copy the client secret now: it is not shown again.');
      } else {
        expect(secret).toBeUndefined();
      }
      const again = await ua.get(`/admin/apps/${clientId}`);
      expectPage(again, `My ${type} app`);
      expect(again.body).not.toContain('id="client-secret"');
      if (secret) {
        expect(again.body).not.toContain(secret);
        expect((await ua.get('/admin/apps')).body).toContain(`/admin/apps/${clientId}`);
      }
      if (type === 'service') {
        expect((await clientCredentials(app, clientId, secret!)).status).toBe(200);
      }
    },
  );

  it.each([
    [{ name: 'Bad', type: 'web', redirect_uris: 'http://evil.example.com/cb' }, 'must use https'],
    [
      { name: 'Bad', type: 'spa', redirect_uris: 'https://spa.example.com/*' },
      'wildcards are not allowed',
    ],
    [{ name: 'Bad', type: 'native', redirect_uris: 'myapp:/cb' }, 'reverse domain name'],
    [
      { name: 'Bad', type: 'web', redirect_uris: 'https://x.example.com/cb#f' },
      'must not contain a fragment',
    ],
    [{ name: '', type: 'service' }, 'name is required'],
    [{ name: 'Bad', type: 'toaster' }, 'type must be one of web, spa, native, device, service'],
    [{ name: 'Bad', type: 'service', scope: ['drive.read', 'admin'] }, 'cannot use admin'],
  ])(
    'refuses %j with the reason, keeps what was typed, registers nothing',
    async (fields: Record<string, string | string[]>, reason) => {
      const before = (await ua.get('/admin/apps')).body;
      const refused = await register(fields);
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('The application was not registered:');
      expect(refused.body).toContain(reason);
      // What was typed is shown again.
      if (typeof fields.redirect_uris === 'string') {
        expect(refused.body).toContain(fields.redirect_uris);
      }
      expect((await ua.get('/admin/apps')).body).toBe(before);
    },
  );

  it('rotates a secret: the old one works during the grace period; revoking it ends that', async () => {
    const { app } = setup;
    const created = shownOnce(await register({ name: 'Rotated', type: 'service' }));
    const rotatePage = await ua.postForm(`/admin/apps/${created.clientId}/rotate-secret`, {
      _csrf: csrf,
      grace: '1h',
    });
    expect(rotatePage.status).toBe(200);
    const rotated = shownOnce(rotatePage).secret!;
    expect(rotated).not.toBe(created.secret);
    expect(rotatePage.body).toContain('The previous secret still works until');
    expect((await clientCredentials(app, created.clientId, created.secret!)).status).toBe(200);
    expect((await clientCredentials(app, created.clientId, rotated)).status).toBe(200);

    const revoked = await ua.postForm(`/admin/apps/${created.clientId}/revoke-secret`, {
      _csrf: csrf,
    });
    expect(revoked.body).toContain('The previous secret no longer works.');
    expect((await clientCredentials(app, created.clientId, created.secret!)).status).toBe(401);
    expect((await clientCredentials(app, created.clientId, rotated)).status).toBe(200);

    const immediate = shownOnce(
      await ua.postForm(`/admin/apps/${created.clientId}/rotate-secret`, {
        _csrf: csrf,
        grace: '0',
      }),
    ).secret!;
    expect((await clientCredentials(app, created.clientId, rotated)).status).toBe(401);
    expect((await clientCredentials(app, created.clientId, immediate)).status).toBe(200);

    const bad = await ua.postForm(`/admin/apps/${created.clientId}/rotate-secret`, {
      _csrf: csrf,
      grace: '90d',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('The grace period must be 0 or a duration of at most 30d');
    expect((await clientCredentials(app, created.clientId, immediate)).status).toBe(200);
  });

  it('deletes an app only when its name is typed; its tokens fail on the next request', async () => {
    const { clientId } = shownOnce(
      await register({
        name: 'Short-lived',
        type: 'web',
        redirect_uris: 'https://sl.example.com/cb',
      }),
    );
    const wrong = await ua.postForm(`/admin/apps/${clientId}/delete`, {
      _csrf: csrf,
      confirm: 'short-lived',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('Type the application&#39;s name, Short-lived, to delete it.');
    expect((await ua.get(`/admin/apps/${clientId}`)).status).toBe(200);

    const deleted = await ua.postForm(`/admin/apps/${clientId}/delete`, {
      _csrf: csrf,
      confirm: 'Short-lived',
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toContain('Short-lived was deleted; its grants and tokens were revoked.');
    expect((await ua.get(`/admin/apps/${clientId}`)).status).toBe(404);
  });

  it('refuses form posts without the CSRF token', async () => {
    const { clientId } = shownOnce(await register({ name: 'Guarded', type: 'service' }));
    for (const path of [
      `/admin/apps/${clientId}/delete`,
      `/admin/apps/${clientId}/rotate-secret`,
      '/admin/apps',
    ]) {
      const refused = await ua.postForm(path, { confirm: 'Guarded', name: 'X', type: 'service' });
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('This form has expired or was not sent by Gatehouse');
    }
    expect((await ua.get(`/admin/apps/${clientId}`)).status).toBe(200);
  });

  it('lists the audit trail with filters, and says what is wrong with a bad filter', async () => {
    const { user: admin } = setup;
    const all = await ua.get('/admin/audit');
    expectPage(all, 'Audit trail');
    expect(all.body).toContain('<code>client.created</code>');
    expect(all.body).toContain('<code>user.sign_in</code>');

    const deletions = await ua.get('/admin/audit?event=client.deleted&outcome=&actor=&client_id=');
    expect(deletions.body).toContain('<code>client.deleted</code>');
    expect(deletions.body).not.toContain('<code>client.created</code>');
    expect(deletions.body).toContain(admin.id);

    const bad = await ua.get('/admin/audit?event=nonsense');
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('event must be one of');

    const paged = await ua.get('/admin/audit?limit=2');
    const older = /<a href="([^"]+)">Older events<\/a>/.exec(paged.body)![1].replace(/&amp;/g, '&');
    expectPage(await ua.get(older), 'Audit trail');
  });
});

describe.each(['jwt', 'opaque'])('Admin API (/api/admin), %s access tokens', (format) => {
  const setup = useTestApp({ env: { ACCESS_TOKEN_FORMAT: format }, user: { admin: true } });
  let token: string;

  beforeAll(async () => {
    const { app, user: admin } = setup;
    const tool = await app.createClient({
      type: 'web',
      name: 'Admin tool',
      scope: 'openid offline_access admin',
    });
    token = (await userApiTokens(app, admin, 'admin', tool)).accessToken;
  });

  it('registers, reads, rotates, revokes and deletes an application', async () => {
    const { app, user: admin } = setup;
    const created = await callApi(app, '/api/admin/apps', {
      method: 'POST',
      token,
      body: { name: 'Via API', type: 'service', scope: 'drive.read' },
    });
    expect(created.status).toBe(201);
    const body = created.body as Record<string, string>;
    expect(created.headers.get('location')).toBe(`/api/admin/apps/${body.client_id}`);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(body).toEqual({
      client_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'Via API',
      type: 'service',
      redirect_uris: [],
      post_logout_redirect_uris: [],
      scope: 'drive.read',
      introspection: false,
      logo_uri: null,
      client_uri: null,
      allow_scope_removal: true,
      first_party: false,
      previous_secret_expires_at: null,
      created_at: expect.any(String),
      client_secret: expect.stringMatching(/^[\w-]{43}$/),
    });
    const id = body.client_id;
    const read = await callApi(app, `/api/admin/apps/${id}`, { token });
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('client_secret');
    expect(
      (
        (await callApi(app, '/api/admin/apps', { token })).body as { apps: { client_id: string }[] }
      ).apps.map((a) => a.client_id),
    ).toContain(id);

    const rotated = await callApi(app, `/api/admin/apps/${id}/secret`, {
      method: 'POST',
      token,
      body: { grace_period: 3600 },
    });
    expect(rotated.status).toBe(200);
    const secret = (rotated.body as { client_secret: string }).client_secret;
    expect((await clientCredentials(app, id, body.client_secret)).status).toBe(200);
    expect(
      (await callApi(app, `/api/admin/apps/${id}/secret/previous`, { method: 'DELETE', token }))
        .status,
    ).toBe(204);
    expect((await clientCredentials(app, id, body.client_secret)).status).toBe(401);
    expect(
      (await callApi(app, `/api/admin/apps/${id}/secret/previous`, { method: 'DELETE', token }))
        .status,
    ).toBe(404);

    expect((await callApi(app, `/api/admin/apps/${id}`, { method: 'DELETE', token })).status).toBe(
      204,
    );
    expect((await clientCredentials(app, id, secret)).status).toBe(401);
    expect((await callApi(app, `/api/admin/apps/${id}`, { token })).status).toBe(404);

    const audit = await callApi(app, `/api/admin/audit?client_id=${id}`, { token });
    expect(
      (audit.body as { events: { event: string; actor: string }[] }).events.map((e) => [
        e.event,
        e.actor,
      ]),
    ).toEqual([
      ['client.deleted', admin.id],
      ['client.secret_revoked', admin.id],
      ['client.secret_rotated', admin.id],
      ['client.created', admin.id],
    ]);
  });

  it('a rotated-out secret works through its grace period, then fails', async () => {
    const { app } = setup;
    const created = (
      await callApi(app, '/api/admin/apps', {
        method: 'POST',
        token,
        body: { name: 'Graceful', type: 'service' },
      })
    ).body as { client_id: string; client_secret: string };
    const rotated = (
      await callApi(app, `/api/admin/apps/${created.client_id}/secret`, {
        method: 'POST',
        token,
        body: { grace_period: 1 },
      })
    ).body as { client_secret: string; previous_secret_expires_at: string };
    expect((await clientCredentials(app, created.client_id, created.client_secret)).status).toBe(
      200,
    );
    const until = Date.parse(rotated.previous_secret_expires_at);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 50));
    expect((await clientCredentials(app, created.client_id, created.client_secret)).status).toBe(
      401,
    );
    expect((await clientCredentials(app, created.client_id, rotated.client_secret)).status).toBe(
      200,
    );
    const refused = await callApi(app, `/api/admin/apps/${created.client_id}/secret`, {
      method: 'POST',
      token,
      body: { grace_period: -1 },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: 'invalid_request',
      error_description: 'grace_period must be 0 or more',
    });
  });

  it('deleting an app makes its user tokens fail on the next request', async () => {
    const { app } = setup;
    const user = await app.createUser();
    const victim = await app.createClient({ type: 'web', name: 'Victim' });
    const tokens = await userApiTokens(app, user, 'drive.read', victim);
    expect((await callApi(app, '/api/drive/files', { token: tokens.accessToken })).status).toBe(
      200,
    );
    expect(
      (await callApi(app, `/api/admin/apps/${victim.clientId}`, { method: 'DELETE', token }))
        .status,
    ).toBe(204);
    expect((await callApi(app, '/api/drive/files', { token: tokens.accessToken })).status).toBe(
      401,
    );
    // The app itself is gone: its refresh is refused at client authentication (RFC 6749 §5.2).
    await expect(oidc.refreshTokenGrant(tokens.config, tokens.refreshToken)).rejects.toMatchObject({
      status: 401,
    });
  });

  it.each([
    [{ name: 'X', type: 'web', redirect_uris: ['http://evil.example.com/cb'] }, 'must use https'],
    [{ name: 'X', type: 'service', extra: true }, 'unknown field(s): extra'],
    [{ name: 'X', type: 'toaster' }, 'type must be one of web, spa, native, device, service'],
    [['not', 'an object'], 'the body must be a JSON object'],
  ])('refuses %j with 400 and the reason', async (body, reason) => {
    const { app } = setup;
    const refused = await callApi(app, '/api/admin/apps', { method: 'POST', token, body });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: 'invalid_request',
      error_description: expect.stringContaining(reason),
    });
  });

  it('a token without the admin scope is refused with insufficient_scope', async () => {
    const { app } = setup;
    const user = await app.createUser({ admin: true });
    const drive = (await userApiTokens(app, user, 'drive.read')).accessToken;
    const refused = await callApi(app, '/api/admin/apps', { token: drive });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBe(
      `Bearer realm="gatehouse", error="insufficient_scope", error_description="The access token lacks a scope this operation requires", scope="admin", resource_metadata="${apiMetadata(app.issuer)}"`,
    );
  });

  it('a user without the admin role is never granted the admin scope, and is refused', async () => {
    const { app } = setup;
    const user = await app.createUser();
    const tool = await app.createClient({
      type: 'web',
      name: 'Tool',
      scope: 'openid offline_access admin drive.read',
    });
    const ua = new UserAgent(app.issuer);
    const config = await discover(app, tool);
    const request = await authorizationRequest(config, tool, {
      scope: 'openid admin drive.read',
      prompt: 'consent',
    });
    const login = await ua.get(request.url.href);
    const consent = await ua.postForm(/<form method="post" action="([^"]+)"/.exec(login.body)![1], {
      _csrf: hiddenField(login.body, '_csrf'),
      email: user.email,
      password: user.password,
    });
    expectPage(consent, 'wants to access your account');
    expect(consent.body).not.toContain('<code>admin</code>');
    expect(consent.body).toContain('<code>drive.read</code>');
    const done = await ua.postForm(/<form method="post" action="([^"]+)"/.exec(consent.body)![1], {
      _csrf: hiddenField(consent.body, '_csrf'),
    });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location!), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.scope).toBe('drive.read');
    expect((await callApi(app, '/api/admin/apps', { token: tokens.access_token })).status).toBe(
      403,
    );
  });

  it('an admin token of a user who lost the role is refused at once', async () => {
    const { app } = setup;
    const former = await app.createUser({ admin: true });
    const tool = await app.createClient({ type: 'web', scope: 'openid offline_access admin' });
    const { accessToken } = await userApiTokens(app, former, 'admin', tool);
    expect((await callApi(app, '/api/admin/apps', { token: accessToken })).status).toBe(200);
    await new Sql(app.app.get(DataSource)).query('UPDATE users SET is_admin = ? WHERE id = ?', [
      false,
      former.id,
    ]);
    const refused = await callApi(app, '/api/admin/apps', { token: accessToken });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: 'access_denied',
      error_description: 'Only administrators may use the admin API',
    });
  });
});
