import { DataSource } from 'typeorm';
import { UsersService } from '../../src/identity/users.service.js';
import { callApi, userApiTokens } from '../support/api.js';
import { buildCli, runCliAsync as runCli } from '../support/cli.js';
import { linkIn, MailServer } from '../support/mail-server.js';
import {
  authorizationRequest,
  discover,
  expectPage,
  oidc,
  signInAt,
} from '../support/oauth-client.js';
import { pageText, snapshot, submitForm } from '../support/people.js';
import { TestApp, type TestUser } from '../support/test-app.js';
import { UserAgent } from '../support/user-agent.js';

const PASSWORD = 'harbor pickle nebula quilt';
const OUT_DIR = 'dist/invitations-e2e';

describe('Invitations (API, CLI, and the /invite page)', () => {
  let mail: MailServer;
  let app: TestApp;
  let admin: TestUser;
  let token: string;

  beforeAll(async () => {
    buildCli(OUT_DIR);
    mail = await MailServer.start();
    // SIGNUP=open too, so that the check of confirmed addresses is on: invitations count as confirmed.
    app = await TestApp.start({ SMTP_URL: mail.url, SIGNUP: 'open' });
    admin = await app.createUser({ admin: true });
    await app.app.get(UsersService).markEmailVerified(admin.id);
    const tool = await app.createClient({
      type: 'web',
      name: 'Admin tool',
      scope: 'openid offline_access admin',
    });
    token = (await userApiTokens(app, admin, 'admin', tool)).accessToken;
  });

  afterAll(async () => {
    await app.close();
    await mail.close();
  });

  function invite(body: unknown, accessToken = token) {
    return callApi(app, '/api/admin/users/invitations', {
      method: 'POST',
      token: accessToken,
      body,
    });
  }

  it('invites by API; the person accepts, the address is verified, the app sees email_verified', async () => {
    const email = 'invited@example.com';
    const sent = await invite({ email, name: 'Invited Person' });
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({ email, expires_at: expect.any(String) });
    const expiresIn = Date.parse((sent.body as { expires_at: string }).expires_at) - Date.now();
    expect(Math.round(expiresIn / 86_400_000)).toBe(7);
    expect(JSON.stringify(sent.body)).not.toContain('/invite/');

    const message = await mail.waitFor(email, /You are invited to Gatehouse/);
    expect(message.text).toContain('The link works once, for 7 days.');
    const link = linkIn(message, app.issuer);
    expect(link).toMatch(/\/invite\/[\w-]{43}$/);

    const ua = new UserAgent(app.issuer);
    const page = await ua.get(link);
    expectPage(page, 'Accept invitation');
    expect(page.body).toContain('value="Invited Person"');

    // A weak password: refused, nothing stored, the invitation still works.
    const before = await snapshot(app);
    const weak = await submitForm(ua, page, { name: 'Invited Person', password: 'qwertyuiop' });
    expect(weak.status).toBe(400);
    expect(pageText(weak)).toContain('This password is too easy to guess.');
    expect(weak.body).toContain('value="Invited Person"');
    expect(await snapshot(app)).toEqual(before);

    const accepted = await submitForm(ua, await ua.get(link), {
      name: 'Ivy Invited',
      password: PASSWORD,
    });
    expectPage(accepted, 'Welcome to Gatehouse');
    const row = (await app.app.get(UsersService).findByEmail(email))!;
    expect(row.name).toBe('Ivy Invited');
    expect(row.isAdmin).toBe(false);
    expect(row.emailVerifiedAt).not.toBeNull();

    // No "Confirm your email address": straight to consent, then tokens with email_verified.
    const client = await app.createClient({ type: 'web' });
    const config = await discover(app, client);
    const request = await authorizationRequest(config, client);
    const browser = new UserAgent(app.issuer);
    const consent = await submitForm(browser, await browser.get(request.url.href), {
      email,
      password: PASSWORD,
    });
    expectPage(consent, 'wants to access your account');
    const callback = await submitForm(browser, consent, {});
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback.location!), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.claims()).toMatchObject({ email, email_verified: true, name: 'Ivy Invited' });

    // Used: the link says so.
    const reused = await new UserAgent(app.issuer).get(link);
    expect(reused.status).toBe(410);
    expect(pageText(reused)).toContain('Ask the administrator who invited you');
  });

  it('refuses an address that has an account, bad input, and non-admins', async () => {
    const user = await app.createUser();
    const before = await snapshot(app);
    const taken = await invite({ email: user.email });
    expect(taken.status).toBe(409);
    expect(taken.body).toEqual({
      error: 'conflict',
      error_description: `a user with email ${user.email} already exists`,
    });
    const bad = await invite({ email: 'nope', extra: 1 });
    expect(bad.status).toBe(400);
    expect(await snapshot(app)).toEqual(before);
    const nobody = await callApi(app, '/api/admin/users/invitations', {
      method: 'POST',
      body: { email: 'x@example.com' },
    });
    expect(nobody.status).toBe(401);
  });

  it('a second invitation supersedes the first', async () => {
    const email = 'twice@example.com';
    await invite({ email });
    const first = linkIn(await mail.waitFor(email), app.issuer);
    await invite({ email, admin: true });
    const second = linkIn(await mail.waitFor(email), app.issuer);
    const stale = await new UserAgent(app.issuer).get(first);
    expect(stale.status).toBe(410);
    expect(pageText(stale)).toContain('This link was replaced by a newer one');
    const ua = new UserAgent(app.issuer);
    expectPage(
      await submitForm(ua, await ua.get(second), { name: 'Twice', password: PASSWORD }),
      'Welcome',
    );
    expectPage(
      await signInAt(
        new UserAgent(app.issuer),
        { id: '', email, password: PASSWORD },
        '/admin/apps',
      ),
      'Applications',
    );
  });

  it('limits invitations per address: 429 with Retry-After', async () => {
    const email = 'popular@example.com';
    for (let i = 0; i < 5; i++) {
      expect((await invite({ email })).status).toBe(201);
    }
    const limited = await invite({ email });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.body).toMatchObject({ error: 'too_many_requests' });
  });

  it('users:invite invites from the CLI, prints the link, and is audited', async () => {
    const email = 'from-cli@example.com';
    const run = await runCli(
      ['users:invite', '--email', email, '--name', 'Cli Person', '--admin', '--json'],
      {
        env: app.environment,
        outDir: OUT_DIR,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as { email: string; link: string; expires_at: string };
    expect(out.email).toBe(email);
    const message = await mail.waitFor(email, /You are invited/);
    expect(linkIn(message, app.issuer)).toBe(out.link);
    const [audit] = await app.app
      .get(DataSource)
      .query(
        `SELECT actor_id, outcome FROM audit_events WHERE event = 'invitation.sent' AND details LIKE '%${email}%'`,
      );
    expect(audit).toEqual({ actor_id: 'cli', outcome: 'success' });

    const taken = await runCli(['users:invite', '--email', admin.email], {
      env: app.environment,
      outDir: OUT_DIR,
    });
    expect(taken.status).toBe(1);
    expect(taken.stderr).toContain('already exists');
    const help = await runCli(['users:invite', '--help'], {
      env: app.environment,
      outDir: OUT_DIR,
    });
    expect(help.stdout).toContain('--email <email>');
  });
});
