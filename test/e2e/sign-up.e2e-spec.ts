import { DataSource } from 'typeorm';
import {
  authorizationRequest,
  discover,
  expectPage,
  oidc,
  signIn,
} from '../support/oauth-client.js';
import { linkIn, MailServer } from '../support/mail-server.js';
import { fillIn, pageText, snapshot, submitForm } from '../support/people.js';
import { TestApp, type TestClient } from '../support/test-app.js';
import { UserAgent } from '../support/user-agent.js';

const PASSWORD = 'violet sandwich orbit lantern';

describe('Sign-up (SIGNUP=open), confirmed by an emailed link', () => {
  let mail: MailServer;
  let app: TestApp;
  let client: TestClient;
  let config: oidc.Configuration;

  beforeAll(async () => {
    mail = await MailServer.start();
    app = await TestApp.start({
      SIGNUP: 'open',
      SMTP_URL: mail.url,
      MAIL_FROM: 'Gatehouse <id@example.com>',
    });
    client = await app.createClient({ type: 'web' });
    config = await discover(app, client);
  });

  afterAll(async () => {
    await app.close();
    await mail.close();
  });

  it('links the sign-in page to "Create account" and "Forgot password?"', async () => {
    const request = await authorizationRequest(config, client);
    const page = await new UserAgent(app.issuer).get(request.url.href);
    expectPage(page, 'Sign in');
    expect(page.body).toContain('<a href="/signup">Create account</a>');
    expect(page.body).toContain('<a href="/password/forgot">Forgot password?</a>');
  });

  it('creates the account, confirms it from the mail, and only then issues a code with email_verified', async () => {
    const email = 'new.person@example.com';
    const ua = new UserAgent(app.issuer);
    const sent = await fillIn(
      ua,
      '/signup',
      { name: 'New Person', email, password: PASSWORD },
      'Create account',
    );
    expectPage(sent, 'Check your email');
    expect(pageText(sent)).toContain(`We sent a link to ${email}.`);

    const message = await mail.waitFor(email, /Confirm your email address/);
    expect(message.parsed.from?.value[0]).toMatchObject({
      name: 'Gatehouse',
      address: 'id@example.com',
    });
    expect(message.text).toContain('Gatehouse');
    expect(message.text).toContain('If it was not you, ignore this email');
    expect(message.html).toContain('Confirm email address</a>');
    const link = linkIn(message, app.issuer);
    expect(link).toMatch(new RegExp(`^${app.issuer}/email/verify/[\\w-]{43}$`));

    // Signed up but unconfirmed: the application gets no code.
    const request = await authorizationRequest(config, client);
    const login = await ua.get(request.url.href);
    const waiting = await signIn(ua, login, { id: '', email, password: PASSWORD });
    expect(waiting.status).toBe(200);
    expectPage(waiting, 'Confirm your email address');
    expect(waiting.location).toBeUndefined();
    // Consent posted anyway is refused.
    const uid = /\/interaction\/([\w-]+)\/resend-verification/.exec(waiting.body)![1];
    const forced = await ua.postForm(`/interaction/${uid}/confirm`, {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(waiting.body)![1],
    });
    expect(forced.status).toBe(403);
    expect(pageText(forced)).toContain('Your email address is not confirmed yet.');

    // "Resend email" supersedes the first link.
    const resent = await submitForm(ua, waiting, {});
    expectPage(resent, `We sent a new link to ${email}.`);
    const second = linkIn(await mail.waitFor(email, /Confirm your email address/), app.issuer);
    const before = await snapshot(app);
    const stale = await ua.get(link);
    expect(stale.status).toBe(410);
    expect(pageText(stale)).toContain('This link was replaced by a newer one');
    expect(await snapshot(app)).toEqual(before);

    // Opening the link only shows a button (mail scanners follow links); pressing it confirms.
    const confirmPage = await ua.get(second);
    expectPage(confirmPage, 'Confirm email address');
    expect(await snapshot(app)).toEqual(before);
    const confirmed = await submitForm(ua, confirmPage, {});
    expectPage(confirmed, 'Email address confirmed');

    // Continue: consent, then the code, and the ID token and userinfo say email_verified.
    const consent = await ua.get(`/interaction/${uid}`);
    expectPage(consent, 'wants to access your account');
    const callback = await submitForm(ua, consent, {});
    expect(callback.location).toBeDefined();
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback.location!), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ email, email_verified: true, name: 'New Person' });
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ email, email_verified: true });

    // The link is used up.
    const again = await ua.get(second);
    expect(again.status).toBe(410);
    expect(pageText(again)).toContain('This link was already used');
  });

  it('with prompt=none, an unconfirmed account gets an error instead of a code', async () => {
    const email = 'silent@example.com';
    const ua = new UserAgent(app.issuer);
    await fillIn(ua, '/signup', { name: 'Silent', email, password: PASSWORD });
    await mail.waitFor(email);
    const request = await authorizationRequest(config, client);
    await signIn(ua, await ua.get(request.url.href), { id: '', email, password: PASSWORD });
    const none = await authorizationRequest(config, client, { prompt: 'none' });
    const answer = await ua.get(none.url.href);
    const location = new URL(answer.location!);
    expect(location.searchParams.get('code')).toBeNull();
    expect(location.searchParams.get('error')).toBe('consent_required');
  });

  it('reveals nothing about an existing address: same page, no new account, the owner is emailed', async () => {
    const existing = await app.createUser({ email: 'taken@example.com' });
    const users = await app.app
      .get(DataSource)
      .query('SELECT id, password_hash FROM users ORDER BY id');
    const ua = new UserAgent(app.issuer);
    const sent = await fillIn(ua, '/signup', {
      name: 'Intruder',
      email: existing.email,
      password: PASSWORD,
    });
    expectPage(sent, 'Check your email');
    expect(pageText(sent)).toContain(`We sent a link to ${existing.email}.`);
    expect(
      await app.app.get(DataSource).query('SELECT id, password_hash FROM users ORDER BY id'),
    ).toEqual(users);
    const notice = await mail.waitFor(existing.email, /already|tried/);
    expect(notice.text).toContain('A Gatehouse account already exists for this address');
    expect(linkIn(notice, app.issuer)).toMatch(/\/password\/reset\//);
  });

  it('refuses a weak password with the reason, keeps what was typed, stores nothing', async () => {
    const before = await snapshot(app);
    const ua = new UserAgent(app.issuer);
    const refused = await fillIn(ua, '/signup', {
      name: 'Weak',
      email: 'weak@example.com',
      password: 'password1',
    });
    expect(refused.status).toBe(400);
    expect(pageText(refused)).toContain('This password is too easy to guess.');
    expect(refused.body).toContain('value="weak@example.com"');
    expect(refused.body).toContain('value="Weak"');
    expect(await snapshot(app)).toEqual(before);
    expect(mail.messagesTo('weak@example.com')).toEqual([]);
  });

  it('refuses malformed and oversized fields with a readable 400, keeping the values', async () => {
    const before = await snapshot(app);
    const ua = new UserAgent(app.issuer);
    const longName = 'n'.repeat(300);
    const refused = await fillIn(ua, '/signup', {
      name: longName,
      email: 'not-an-address',
      password: PASSWORD,
    });
    expect(refused.status).toBe(400);
    expect(pageText(refused)).toContain('Use at most 200 characters for your name.');
    expect(pageText(refused)).toContain('Enter a valid email address');
    expect(refused.body).toContain('value="not-an-address"');
    expect(refused.body).toContain(`value="${longName}"`);
    expect(await snapshot(app)).toEqual(before);
  });

  it('refuses a form without its CSRF token (403), storing nothing', async () => {
    const before = await snapshot(app);
    const ua = new UserAgent(app.issuer);
    await ua.get('/signup');
    const forged = await ua.postForm('/signup', {
      name: 'X',
      email: 'csrf@example.com',
      password: PASSWORD,
    });
    expect(forged.status).toBe(403);
    expect(await snapshot(app)).toEqual(before);
  });

  it('shows a tampered link as not valid (404), changing nothing', async () => {
    const before = await snapshot(app);
    const tampered = await new UserAgent(app.issuer).get(`/email/verify/${'A'.repeat(43)}`);
    expect(tampered.status).toBe(404);
    expect(pageText(tampered)).toContain('This link is not valid');
    expect(pageText(tampered)).toContain('Nothing was changed.');
    expect(await snapshot(app)).toEqual(before);
  });
});

describe('Sign-up closed (the default, SIGNUP=invite)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });

  afterAll(async () => {
    await app.close();
  });

  it('has no /signup page and no "Create account" link', async () => {
    const page = await new UserAgent(app.issuer).get('/signup');
    expect(page.status).toBe(404);
    expect(pageText(page)).toContain('This server does not offer sign-up.');
    const client = await app.createClient({ type: 'web' });
    const request = await authorizationRequest(await discover(app, client), client);
    const login = await new UserAgent(app.issuer).get(request.url.href);
    expect(login.body).not.toContain('Create account');
    expect(login.body).toContain('Forgot password?');
  });
});

describe('Sign-up races', () => {
  let mail: MailServer;
  let app: TestApp;

  beforeAll(async () => {
    mail = await MailServer.start();
    app = await TestApp.start({ SIGNUP: 'open', SMTP_URL: mail.url });
  });

  afterAll(async () => {
    await app.close();
    await mail.close();
  });

  it('two sign-ups for one address at the same moment: one account, the same page for both', async () => {
    const email = 'racer@example.com';
    const browsers = [new UserAgent(app.issuer), new UserAgent(app.issuer)];
    const forms = await Promise.all(browsers.map((ua) => ua.get('/signup')));
    const answers = await Promise.all(
      browsers.map((ua, i) =>
        submitForm(ua, forms[i], { name: `Racer ${i}`, email, password: PASSWORD }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(pageText(answers[0]).replace('Racer 0', '')).toBe(
      pageText(answers[1]).replace('Racer 1', ''),
    );
    const rows = await app.app
      .get(DataSource)
      .query<{ email: string }[]>(
        'SELECT email FROM users WHERE email = $1'.replace('$1', `'${email}'`),
      );
    expect(rows).toHaveLength(1);
  });
});
