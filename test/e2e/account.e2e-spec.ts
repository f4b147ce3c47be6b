import { DataSource } from 'typeorm';
import { ConnectedApps } from '../../src/account/connected-apps.service.js';
import { GrantUsage } from '../../src/tokens/grant-usage.service.js';
import { GrantsService } from '../../src/oauth/grants/grants.service.js';
import { callApi, userApiTokens } from '../support/api.js';
import {
  authorizationRequest,
  discover,
  expectPage,
  oidc,
  runCodeFlow,
  signIn,
} from '../support/oauth-client.js';
import { useTestApp } from '../support/e2e.js';
import type { TestUser } from '../support/test-app.js';
import { formAction, hiddenField, UserAgent, type Visit } from '../support/user-agent.js';

/** Signs `user` in to the account pages from `path`; returns the page the sign-in lands on. */
async function signInToAccount(ua: UserAgent, user: TestUser, path = '/account'): Promise<Visit> {
  const login = await ua.get(path);
  expect(login.body).toContain('to continue to <strong>your Gatehouse account</strong>');
  return signIn(ua, login, user);
}

/** The form on the apps page that posts to `action`, submitted with its own fields. */
async function submit(ua: UserAgent, page: Visit, action: string): Promise<Visit> {
  const form = new RegExp(
    `<form method="post" action="${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>([\\s\\S]*?)</form>`,
  ).exec(page.body);
  if (!form) {
    throw new Error(`no form posting to ${action} in:\n${page.body}`);
  }
  const fields = Object.fromEntries(
    [...form[1].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
      m[1],
      m[2],
    ]),
  );
  return ua.postForm(action, fields);
}

describe('Account pages (/account)', () => {
  const setup = useTestApp({ user: { name: 'Alice Example' } });

  it('without a session, sends the browser through the authorization endpoint as the first-party client', async () => {
    const { app } = setup;
    const response = await new UserAgent(app.issuer).raw('/account');
    expect(response.status).toBe(303);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(app.url('/oauth/authorize'));
    expect(Object.fromEntries(location.searchParams)).toEqual({
      client_id: 'gatehouse-account',
      response_type: 'code',
      redirect_uri: app.url('/account/callback'),
      scope: 'openid',
      state: expect.stringMatching(/^[\w-]{22}$/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge_method: 'S256',
    });
    expect(response.headers.getSetCookie().join('; ')).toMatch(
      /gatehouse\.account_sign_in=.*Path=\/account.*HttpOnly/,
    );
  });

  it('signs in with the same login page, asks no consent, and shows the profile', async () => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    const profile = await signInToAccount(ua, user);
    expect(profile.url).toBe(app.url('/account'));
    expectPage(profile, 'Your account');
    expect(profile.body).toContain(user.email);
    expect(profile.body).toContain('Alice Example');
    expect(profile.body).toContain(user.id);
    expect(profile.body).toContain('href="/account/apps"');
    expect(profile.body).not.toContain('href="/admin/apps"');
    expect(profile.headers.get('cache-control')).toBe('no-store');

    // The sign-in of the account pages is no connected app.
    const apps = await ua.get('/account/apps');
    expectPage(apps, 'Connected apps');
    expect(apps.body).toContain('You have not allowed any application to use your account.');
  });

  it('shares the sign-in with applications: signed in for an app, /account needs no login', async () => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    const client = await app.createClient({ type: 'web' });
    await runCodeFlow(ua, await discover(app, client), client, user);
    const profile = await ua.get('/account');
    expect(profile.url).toBe(app.url('/account'));
    expectPage(profile, 'Your account');
  });

  it('returns to the page that asked for the sign-in, and only to our own pages', async () => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    expect((await signInToAccount(ua, user, '/account/apps')).url).toBe(app.url('/account/apps'));

    const other = new UserAgent(app.issuer);
    const landed = await signInToAccount(
      other,
      user,
      '/account/sign-in?return_to=https://evil.example/',
    );
    expect(landed.url).toBe(app.url('/account'));
  });

  it.each([
    ['a forged state', (q: URLSearchParams) => q.set('state', 'forged')],
    ['a made-up code', (q: URLSearchParams) => q.set('code', 'made-up-code')],
    ['no code', (q: URLSearchParams) => q.delete('code')],
  ])('refuses a callback with %s: a 400 page, no sign-in', async (_label, tamper) => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    const start = await ua.raw('/account');
    const authorize = start.headers.get('location')!;
    const login = await ua.get(authorize);
    // Sign in at the provider but stop before the callback.
    const posted = await ua.raw(formAction(login.body), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: hiddenField(login.body, '_csrf'),
        email: user.email,
        password: user.password,
      }).toString(),
    });
    let location = posted.headers.get('location')!;
    while (!location.includes('/account/callback')) {
      location = (await ua.raw(location)).headers.get('location')!;
    }
    const callback = new URL(location, app.issuer);
    tamper(callback.searchParams);
    const refused = await ua.get(callback.href);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('Sign-in not completed');
  });

  it('signs out through the end-session page, then asks to sign in again', async () => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    const profile = await signInToAccount(ua, user);
    const signOutUrl = /<a href="([^"]+)">Sign out<\/a>/
      .exec(profile.body)![1]
      .replace(/&amp;/g, '&');
    const confirm = await ua.get(signOutUrl);
    expectPage(confirm, 'Do you want to sign out of Gatehouse?');
    const done = await ua.postForm(formAction(confirm.body), {
      xsrf: hiddenField(confirm.body, 'xsrf'),
      logout: 'yes',
    });
    expect(done.url).toBe(app.url('/account/signed-out'));
    expectPage(done, 'You have signed out of Gatehouse.');
    expectPage(await ua.get('/account'), 'Sign in');
  });
});

describe.each(['jwt', 'opaque'])('Connected apps (/account/apps), %s access tokens', (format) => {
  const setup = useTestApp({ env: { ACCESS_TOKEN_FORMAT: format }, user: false });

  it("lists the apps a user allowed with scopes, first authorization and last use; not other users'", async () => {
    const { app } = setup;
    const user = await app.createUser();
    const stranger = await app.createUser();
    const notes = await app.createClient({
      type: 'web',
      name: 'Notes',
      logoUri: 'https://notes.example.com/logo.png',
      clientUri: 'https://notes.example.com',
    });
    const photos = await app.createClient({ type: 'web', name: 'Photos' });
    const before = Date.now();
    const notesTokens = await userApiTokens(app, user, 'drive.read drive.write', notes);
    await userApiTokens(app, user, 'drive.read', photos);
    await userApiTokens(
      app,
      stranger,
      'drive.read',
      await app.createClient({ type: 'web', name: 'Secret diary' }),
    );

    const ua = new UserAgent(app.issuer);
    const page = await signInToAccount(ua, user, '/account/apps');
    expectPage(page, 'Connected apps');
    expect(page.body).toContain(
      '<img src="https://notes.example.com/logo.png" alt="" width="32" height="32">',
    );
    expect(page.body).toContain(
      '<a href="https://notes.example.com/" rel="noopener noreferrer">Notes</a>',
    );
    expect(page.body).toContain('Photos');
    expect(page.body).not.toContain('Secret diary');
    expect(page.body).toContain(
      '<span class="scope-description">See the files in your Drive</span> <code>drive.read</code>',
    );
    expect(page.body).toContain('aria-label="Revoke access for Notes"');
    expect(page.body).toContain('aria-label="Remove drive.write from Notes"');
    // openid is how the app signs the user in: never removable on its own.
    expect(page.body).not.toContain('aria-label="Remove openid from Notes"');

    const [first, second] = await app.app.get(ConnectedApps).list(user.id);
    expect([first.name, second.name].sort()).toEqual(['Notes', 'Photos']);
    const listed = (await app.app.get(ConnectedApps).list(user.id)).find(
      (a) => a.name === 'Notes',
    )!;
    expect(listed.scopes.map((s) => s.name).sort()).toEqual([
      'drive.read',
      'drive.write',
      'offline_access',
      'openid',
    ]);
    expect(listed.authorizedAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    // Getting the tokens was a use; calling the API later is one too.
    const issuedUse = listed.lastUsedAt!.getTime();
    expect(issuedUse).toBeGreaterThanOrEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(
      (await callApi(app, '/api/drive/files', { token: notesTokens.accessToken })).status,
    ).toBe(200);
    const afterApi = (await app.app.get(ConnectedApps).list(user.id)).find(
      (a) => a.name === 'Notes',
    )!;
    expect(afterApi.lastUsedAt!.getTime()).toBeGreaterThan(issuedUse);
    expect(page.body).toMatch(/Last used <time datetime="[^"]+">[^<]+ UTC<\/time>/);

    // Uses are written in batches; another instance (a fresh reader) sees them once written,
    // and an older use never overwrites a newer one.
    const usage = app.app.get(GrantUsage);
    const [grant] = (await app.app.get(GrantsService).listForAccount(user.id)).filter(
      (g) => g.clientId === notes.clientId,
    );
    await usage.flush();
    usage.touch(grant.grantKey, 1000);
    await usage.flush();
    const reader = new GrantUsage(app.app.get(DataSource));
    expect((await reader.lastUsed([grant.grantKey])).get(grant.grantKey)).toBe(
      afterApi.lastUsedAt!.getTime(),
    );
  });

  it('revoke: the access and refresh tokens fail at once and the next authorization asks consent again', async () => {
    const { app } = setup;
    const user = await app.createUser();
    const client = await app.createClient({ type: 'web', name: 'Doomed' });
    const tokens = await userApiTokens(app, user, 'drive.read', client);
    expect((await callApi(app, '/api/drive/files', { token: tokens.accessToken })).status).toBe(
      200,
    );

    const ua = new UserAgent(app.issuer);
    const page = await signInToAccount(ua, user, '/account/apps');
    const after = await submit(ua, page, `/account/apps/${client.clientId}/revoke`);
    expect(after.url).toBe(app.url(`/account/apps?revoked=${client.clientId}`));
    expect(after.body).toContain(
      '<p class="notice" role="status">Doomed can no longer use your account.</p>',
    );
    expect(after.body).not.toContain('aria-label="Revoke access for Doomed"');

    const refused = await callApi(app, '/api/drive/files', { token: tokens.accessToken });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
    await expect(oidc.refreshTokenGrant(tokens.config, tokens.refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    // The same browser (still signed in) is asked for consent again.
    const request = await authorizationRequest(tokens.config, client, {
      scope: 'openid drive.read',
    });
    expectPage(await ua.get(request.url.href), 'wants to access your account');
  });

  it('removes one scope: tokens carrying it stop, a refresh yields tokens without it, the rest works', async () => {
    const { app } = setup;
    const user = await app.createUser();
    const client = await app.createClient({ type: 'web', name: 'Editor' });
    const tokens = await userApiTokens(app, user, 'drive.read drive.write', client);

    const ua = new UserAgent(app.issuer);
    const page = await signInToAccount(ua, user, '/account/apps');
    const form =
      /<form method="post" action="(\/account\/apps\/[^"]+\/scopes\/remove)"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]+)">\s*<input type="hidden" name="scope" value="drive.write">/.exec(
        page.body,
      )!;
    const after = await ua.postForm(form[1], { _csrf: form[2], scope: 'drive.write' });
    expect(after.body).toContain('Editor no longer has drive.write.');
    expect(after.body).not.toContain('aria-label="Remove drive.write from Editor"');
    expect(after.body).toContain('aria-label="Remove drive.read from Editor"');

    expect((await callApi(app, '/api/drive/files', { token: tokens.accessToken })).status).toBe(
      401,
    );
    const refreshed = await oidc.refreshTokenGrant(tokens.config, tokens.refreshToken);
    // The refreshed access token's scope (RFC 6749 §5.1): the API scopes minus the removed one.
    expect(refreshed.scope).toBe('drive.read');
    expect((await callApi(app, '/api/drive/files', { token: refreshed.access_token })).status).toBe(
      200,
    );
    const write = await callApi(app, '/api/drive/files', {
      method: 'POST',
      token: refreshed.access_token,
      body: { name: 'a.txt', content: 'x' },
    });
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toContain('error="insufficient_scope"');

    // Asking for it again shows the consent page for it (it was removed, not refused forever).
    const request = await authorizationRequest(tokens.config, client, {
      scope: 'openid drive.read drive.write',
    });
    const consentPage = await ua.get(request.url.href);
    expectPage(consentPage, 'wants to access your account');
    expect(consentPage.body).toContain('<code>drive.write</code>');
    expect(consentPage.body).not.toContain('<code>drive.read</code>');
  });

  it("refuses to remove openid, an app's last scope, or any scope of an app that does not allow it", async () => {
    const { app } = setup;
    const user = await app.createUser();
    const rigid = await app.createClient({ type: 'web', name: 'Rigid', allowScopeRemoval: false });
    await userApiTokens(app, user, 'drive.read drive.write', rigid);
    const ua = new UserAgent(app.issuer);
    const page = await signInToAccount(ua, user, '/account/apps');
    expect(page.body).not.toContain('aria-label="Remove drive.write from Rigid"');
    const csrf = hiddenField(page.body, '_csrf');
    for (const scope of ['drive.write', 'openid', 'profile.nonexistent']) {
      const refused = await ua.postForm(`/account/apps/${rigid.clientId}/scopes/remove`, {
        _csrf: csrf,
        scope,
      });
      expect(refused.status).toBe(400);
    }
    const apps = await app.app.get(ConnectedApps).list(user.id);
    expect(apps[0].scopes.map((s) => s.name).sort()).toEqual([
      'drive.read',
      'drive.write',
      'offline_access',
      'openid',
    ]);
  });

  it('refuses posts without the CSRF token, without a session, or for an app the user never allowed', async () => {
    const { app } = setup;
    const user = await app.createUser();
    const client = await app.createClient({ type: 'web', name: 'Kept' });
    const tokens = await userApiTokens(app, user, 'drive.read', client);
    const ua = new UserAgent(app.issuer);
    const page = await signInToAccount(ua, user, '/account/apps');

    const noCsrf = await ua.postForm(`/account/apps/${client.clientId}/revoke`, {});
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body).toContain('This form has expired or was not sent by Gatehouse');

    const csrf = hiddenField(page.body, '_csrf');
    const stranger = await app.createUser();
    await userApiTokens(app, stranger, 'drive.read');
    const strangerUa = new UserAgent(app.issuer);
    await signInToAccount(strangerUa, stranger, '/account/apps');
    const strangerPage = await strangerUa.get('/account/apps');
    const notTheirs = await strangerUa.postForm(`/account/apps/${client.clientId}/revoke`, {
      _csrf: hiddenField(strangerPage.body, '_csrf'),
    });
    expect(notTheirs.status).toBe(404);
    expect(notTheirs.body).toContain('That application has no access to your account');

    // A CSRF cookie and token but no session (signed out meanwhile).
    const signedOut = new UserAgent(app.issuer);
    signedOut.setCookie('gatehouse.csrf', ua.cookieValue('gatehouse.csrf')!);
    const noSession = await signedOut.postForm(`/account/apps/${client.clientId}/revoke`, {
      _csrf: csrf,
    });
    expect(noSession.status).toBe(401);
    expect(noSession.body).toContain('You are signed out.');

    // Nothing was revoked.
    expect((await callApi(app, '/api/drive/files', { token: tokens.accessToken })).status).toBe(
      200,
    );
  });
});
