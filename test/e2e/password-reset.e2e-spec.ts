import { DataSource } from 'typeorm';
import { callApi, userApiTokens } from '../support/api.js';
import { linkIn, MailServer } from '../support/mail-server.js';
import { expectPage, oidc, signInAt } from '../support/oauth-client.js';
import { fillIn, pageText, snapshot, submitForm } from '../support/people.js';
import { TestApp, type TestUser } from '../support/test-app.js';
import { UserAgent } from '../support/user-agent.js';

const NEW_PASSWORD = 'quartz meadow tugboat saffron';

describe('Forgot password and reset by emailed link', () => {
  let mail: MailServer;
  let app: TestApp;
  let address = 0;

  beforeAll(async () => {
    mail = await MailServer.start();
    // Behind a trusted proxy, so each test can come from its own client address.
    app = await TestApp.start({ SMTP_URL: mail.url, TRUST_PROXY: 'true' });
  });

  afterAll(async () => {
    await app.close();
    await mail.close();
  });

  /** A browser from an address of its own. */
  function browser(): UserAgent {
    const ip = `198.51.100.${++address}`;
    const ua = new UserAgent(app.issuer);
    const raw = ua.raw.bind(ua);
    ua.raw = (url, init = {}) =>
      raw(url, { ...init, headers: { ...(init.headers as object), 'x-forwarded-for': ip } });
    return ua;
  }

  async function askForReset(email: string, ua = browser()) {
    return fillIn(ua, '/password/forgot', { email }, 'Forgot your password?');
  }

  async function resetLink(user: TestUser): Promise<string> {
    expectPage(await askForReset(user.email), 'Check your email');
    return linkIn(await mail.waitFor(user.email, /Reset your Gatehouse password/), app.issuer);
  }

  it('answers the same for an address with and without an account, and says so', async () => {
    const user = await app.createUser();
    const known = await askForReset(user.email);
    const unknown = await askForReset('nobody@example.com');
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(pageText(known).replace(user.email, 'X')).toBe(
      pageText(unknown).replace('nobody@example.com', 'X'),
    );
    expect(pageText(known)).toContain('We say the same whether or not there is an account');
    const message = await mail.waitFor(user.email, /Reset your Gatehouse password/);
    expect(message.text).toContain('The link works once, for 30 minutes.');
    expect(message.text).toContain('If it was not you, ignore this email');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mail.messagesTo('nobody@example.com')).toEqual([]);
  });

  it('sets the new password, ends every session, revokes every token, and sends a notice', async () => {
    const user = await app.createUser({ name: 'Reset Me' });
    const { accessToken, refreshToken, config } = await userApiTokens(app, user);
    expect((await callApi(app, '/api/drive/files', { token: accessToken })).status).toBe(200);
    const session = new UserAgent(app.issuer);
    expectPage(await signInAt(session, user, '/account'), 'Your account');

    const link = await resetLink(user);
    const form = await browser().get(link);
    expectPage(form, 'Choose a new password');
    expect(form.body).toContain('<label for="password">New password</label>');
    expect(form.body).toContain('<button type="submit">Set password</button>');

    // A weak password: refused with the reason, nothing changes, the link still works.
    const before = await snapshot(app);
    const ua = browser();
    const weak = await submitForm(ua, await ua.get(link), { password: 'password123' });
    expect(weak.status).toBe(400);
    expect(pageText(weak)).toContain('This password is too easy to guess.');
    expect(await snapshot(app)).toEqual(before);

    const done = await submitForm(ua, await ua.get(link), { password: NEW_PASSWORD });
    expectPage(done, 'Password changed');

    // The old session is gone: /account sends the browser to sign in again.
    const account = await session.raw('/account');
    expect(account.status).toBe(303);
    expect(account.headers.get('location')).toContain('/oauth/authorize');
    // The refresh token is refused, the access token is refused at the Drive.
    await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await callApi(app, '/api/drive/files', { token: accessToken })).status).toBe(401);
    const notice = await mail.waitFor(user.email, /password was changed/);
    expect(notice.text).toContain('signed out everywhere');

    // The new password signs in; the old one does not.
    expectPage(
      await signInAt(new UserAgent(app.issuer), { ...user, password: NEW_PASSWORD }, '/account'),
      'Your account',
    );
    const old = await signInAt(new UserAgent(app.issuer), user, '/account');
    expect(old.status).toBe(400);

    // Used once: used again, it says so and changes nothing.
    const after = await snapshot(app);
    const reused = await browser().get(link);
    expect(reused.status).toBe(410);
    expect(pageText(reused)).toContain('This link was already used');
    expect(pageText(reused)).toContain('Send a new reset link');
    const reposted = await browser().postForm(link, { password: NEW_PASSWORD });
    expect([403, 410]).toContain(reposted.status);
    expect(await snapshot(app)).toEqual(after);
  });

  it('a newer link supersedes the older one', async () => {
    const user = await app.createUser();
    const first = await resetLink(user);
    const second = await resetLink(user);
    const before = await snapshot(app);
    const ua = browser();
    const stale = await ua.get(first);
    expect(stale.status).toBe(410);
    expect(pageText(stale)).toContain('This link was replaced by a newer one');
    expect(await snapshot(app)).toEqual(before);
    expectPage(await ua.get(second), 'Choose a new password');
  });

  it('an expired link says so, offers a new one, and changes nothing', async () => {
    const user = await app.createUser();
    const link = await resetLink(user);
    // 31 minutes later, as far as the link knows.
    await app.app
      .get(DataSource)
      .query(
        'UPDATE email_links SET created_at = created_at - 1860000, expires_at = expires_at - 1860000',
      );
    const before = await snapshot(app);
    const ua = browser();
    const page = await ua.get(link);
    expect(page.status).toBe(410);
    expect(pageText(page)).toContain('This link has expired');
    expect(page.body).toContain(
      '<a class="button" href="/password/forgot">Send a new reset link</a>',
    );
    expect(await snapshot(app)).toEqual(before);
  });

  it('a tampered link is not valid (404)', async () => {
    const user = await app.createUser();
    const link = await resetLink(user);
    const tampered = link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const page = await browser().get(tampered);
    expect(page.status).toBe(404);
    expect(pageText(page)).toContain('This link is not valid');
  });

  it('limits requests per email address: 429 with Retry-After and a readable page', async () => {
    const user = await app.createUser();
    for (let i = 0; i < 5; i++) {
      expect((await askForReset(user.email)).status).toBe(200);
    }
    const before = await snapshot(app);
    const limited = await askForReset(user.email);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(pageText(limited)).toContain('Too many requests for emails. Try again in');
    expect(await snapshot(app)).toEqual(before);
  });

  it('limits requests per client address too', async () => {
    const ua = browser();
    for (let i = 0; i < 30; i++) {
      expect((await askForReset(`someone-${i}@example.com`, ua)).status).toBe(200);
    }
    const limited = await askForReset('one-more@example.com', ua);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('refuses a malformed address with a 400, keeping what was typed', async () => {
    const refused = await askForReset('not an address');
    expect(refused.status).toBe(400);
    expect(pageText(refused)).toContain('Enter a valid email address');
    expect(refused.body).toContain('value="not an address"');
  });
});
