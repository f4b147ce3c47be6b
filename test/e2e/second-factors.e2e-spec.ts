import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Sql } from '../../src/database/sql.js';
import { callApi, userApiTokens } from '../support/api.js';
import { MailServer } from '../support/mail-server.js';
import {
  authorizationRequest,
  discover,
  expectPage,
  oidc,
  signIn,
  signInAt,
} from '../support/oauth-client.js';
import { pageText, submitForm } from '../support/people.js';
import {
  Authenticator,
  awayFromStepEdge,
  enrolAuthenticator,
  enterCode,
  recoveryCodesOn,
  secretOn,
  type Enrolled,
} from '../support/second-factor.js';
import { useTestApp } from '../support/e2e.js';
import { TestApp, type TestClient, type TestUser } from '../support/test-app.js';
import { hiddenField, UserAgent, type Visit } from '../support/user-agent.js';

const SECOND_STEP = 'Confirm it is you';

describe('Second factors: an authenticator app and recovery codes', () => {
  let mail: MailServer;
  let app: TestApp;
  let client: TestClient;
  let config: oidc.Configuration;
  let address = 0;

  beforeAll(async () => {
    mail = await MailServer.start();
    app = await TestApp.start({ SMTP_URL: mail.url, TRUST_PROXY: 'true' });
    client = await app.createClient({ type: 'web' });
    config = await discover(app, client);
  });

  afterAll(async () => {
    await app.close();
    await mail.close();
  });

  /** A browser from an address of its own (the throttle counts per address too). */
  function browser(): UserAgent {
    const ip = `203.0.113.${++address}`;
    const ua = new UserAgent(app.issuer);
    const raw = ua.raw.bind(ua);
    ua.raw = (url, init = {}) =>
      raw(url, { ...init, headers: { ...(init.headers as object), 'x-forwarded-for': ip } });
    return ua;
  }

  /** A new user with an authenticator app, set up in a browser that then forgets them. */
  async function enrolledUser(): Promise<{ user: TestUser; enrolled: Enrolled }> {
    const user = await app.createUser();
    const enrolled = await enrolAuthenticator(browser(), user);
    return { user, enrolled };
  }

  /** Starts an authorization in `ua` and signs in with the password: the page that follows. */
  async function afterPassword(
    ua: UserAgent,
    user: TestUser,
    params: Record<string, string> = {},
  ): Promise<{ page: Visit; request: Awaited<ReturnType<typeof authorizationRequest>> }> {
    const request = await authorizationRequest(config, client, params);
    const page = await signIn(ua, await ua.get(request.url.href), user);
    return { page, request };
  }

  /** Consents if asked and redeems the code: the validated tokens. */
  async function complete(
    ua: UserAgent,
    visit: Visit,
    request: Awaited<ReturnType<typeof authorizationRequest>>,
  ) {
    let next = visit;
    if (next.status === 200 && next.body.includes('wants to access your account')) {
      next = await submitForm(ua, next, {});
    }
    if (!next.location) {
      throw new Error(`no callback: ${next.status} ${next.url}\n${next.body.slice(0, 1500)}`);
    }
    return oidc.authorizationCodeGrant(config, new URL(next.location), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
  }

  it('sets up an app from a QR code or the secret, confirmed by a code, with 10 recovery codes', async () => {
    const user = await app.createUser();
    const ua = browser();
    const { enrolled } = { enrolled: await enrolAuthenticator(ua, user) };
    expect(enrolled.recoveryCodes).toHaveLength(10);
    expect(new Set(enrolled.recoveryCodes).size).toBe(10);
    const overview = await ua.get('/account/security');
    expect(overview.status).toBe(200);
    expect(pageText(overview)).toContain('Set up. Signing in asks for a code from it.');
    expect(pageText(overview)).toContain('10 of 10 recovery codes left');
    const notice = await mail.waitFor(user.email, /A second factor was added/);
    expect(notice.text).toContain('An authenticator app was just set up for your account.');
    // Stored: the codes as SHA-256 only.
    const db = new Sql(app.app.get(DataSource));
    const rows = await db.query<{ code_hash: string }>(
      'SELECT code_hash FROM recovery_codes WHERE user_id = ?',
      [user.id],
    );
    expect(rows).toHaveLength(10);
    for (const code of enrolled.recoveryCodes) {
      expect(JSON.stringify(rows)).not.toContain(code);
    }
  });

  it('shows the QR code as an image the page CSP allows, and refuses a wrong confirmation code', async () => {
    const user = await app.createUser();
    const ua = browser();
    const page = await signInAt(ua, user, '/account/security/authenticator');
    expectPage(page, 'Set up an authenticator app');
    expect(page.body).toMatch(/<img class="qr" src="data:image\/png;base64,[A-Za-z0-9+/=]+"/);
    expect(page.headers.get('content-security-policy')).toContain("img-src 'self' data:");
    const wrong = await submitForm(ua, page, { code: '000000' });
    expect(wrong.status).toBe(400);
    expect(pageText(wrong)).toContain('That code does not match');
    // Not set up: signing in does not ask for a code.
    const other = browser();
    const { page: next, request } = await afterPassword(other, user);
    const tokens = await complete(other, next, request);
    expect(tokens.claims()!.amr).toEqual(['pwd']);
    expect(tokens.claims()!.acr).toBe('urn:gatehouse:acr:password');
  });

  it('asks for a code after the password; the ID token says pwd, otp, mfa', async () => {
    const { user, enrolled } = await enrolledUser();
    const ua = browser();
    const { page, request } = await afterPassword(ua, user);
    expectPage(page, SECOND_STEP);
    expect(page.body).toContain('<label for="code">Code</label>');
    expect(pageText(page)).toContain('Use a recovery code');
    await awayFromStepEdge();
    const tokens = await complete(ua, await enterCode(ua, page, enrolled.app.code()), request);
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(user.id);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe('urn:gatehouse:acr:mfa');
    expect(typeof claims.auth_time).toBe('number');
  });

  it('accepts a code once, and one step of drift but not two', async () => {
    const { user, enrolled } = await enrolledUser();
    await awayFromStepEdge(6000);
    const code = enrolled.app.code();
    const first = browser();
    const { page, request } = await afterPassword(first, user);
    await complete(first, await enterCode(first, page, code), request);

    const second = browser();
    const { page: again } = await afterPassword(second, user);
    const replayed = await enterCode(second, again, code);
    expect(replayed.status).toBe(400);
    expect(pageText(replayed)).toContain('That code is not valid');
    const twoAhead = await enterCode(second, replayed, enrolled.app.code(2));
    expect(twoAhead.status).toBe(400);
    // The next step's code: a phone clock one step ahead.
    const ahead = await enterCode(second, twoAhead, enrolled.app.code(1));
    expect(ahead.location).toBeDefined();
  });

  it('throttles wrong codes per account with a readable 429 page', async () => {
    const { user, enrolled } = await enrolledUser();
    const ua = browser();
    let { page } = await afterPassword(ua, user);
    for (let attempt = 0; attempt < 5; attempt++) {
      page = await enterCode(ua, page, '000000');
      expect(page.status).toBe(400);
    }
    await awayFromStepEdge();
    const refused = await submitForm(ua, page, { code: enrolled.app.code() });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(pageText(refused)).toMatch(/Too many wrong codes\. Try again in \d+ minute\(s\)\./);
    // From another address too: the account is what is counted.
    const elsewhere = browser();
    const { page: other } = await afterPassword(elsewhere, user);
    const alsoRefused = await enterCode(elsewhere, other, enrolled.app.code());
    expect(alsoRefused.status).toBe(429);
  });

  it('signs in with a recovery code once, and emails how many are left', async () => {
    const { user, enrolled } = await enrolledUser();
    const ua = browser();
    const { page, request } = await afterPassword(ua, user);
    const form = await ua.get(`${new URL(page.url).pathname}?method=recovery_code`);
    expectPage(form, SECOND_STEP);
    expect(form.body).toContain('<label for="recovery_code">Recovery code</label>');
    const code = enrolled.recoveryCodes[3];
    const done = await submitForm(ua, form, { recovery_code: code.toUpperCase() });
    const tokens = await complete(ua, done, request);
    expect(tokens.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
    const notice = await mail.waitFor(user.email, /A recovery code was used/);
    expect(notice.text).toContain('You have 9 recovery codes left.');

    const again = browser();
    const { page: second } = await afterPassword(again, user);
    const reuse = await again.get(`${new URL(second.url).pathname}?method=recovery_code`);
    const refused = await submitForm(again, reuse, { recovery_code: code });
    expect(refused.status).toBe(400);
    expect(pageText(refused)).toContain('That is not one of your unused recovery codes.');
  });

  it.each<Record<string, string>>([{ max_age: '0' }, { prompt: 'login' }])(
    'asks again for %j: the password, then the code; auth_time is the new sign-in',
    async (params) => {
      const { user, enrolled } = await enrolledUser();
      const ua = browser();
      const { page, request } = await afterPassword(ua, user);
      await awayFromStepEdge();
      const first = await complete(ua, await enterCode(ua, page, enrolled.app.code()), request);
      const before = Math.floor(Date.now() / 1000);

      const stepUp = await authorizationRequest(config, client, params);
      const password = await ua.get(stepUp.url.href);
      expectPage(password, 'Sign in');
      const second = await signIn(ua, password, user);
      expectPage(second, SECOND_STEP);
      await awayFromStepEdge();
      // The next step's code: this step's was accepted already.
      const tokens = await complete(ua, await enterCode(ua, second, enrolled.app.code(1)), stepUp);
      expect(tokens.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
      expect(tokens.claims()!.auth_time).toBeGreaterThanOrEqual(before);
      expect(tokens.claims()!.auth_time).toBeGreaterThanOrEqual(first.claims()!.auth_time!);
    },
  );

  it('keeps the account pages from a session that stopped after the password', async () => {
    const { user, enrolled } = await enrolledUser();
    const ua = browser();
    const { page } = await afterPassword(ua, user);
    expectPage(page, SECOND_STEP);
    // The password alone does not open the account pages: they ask for the code too.
    const account = await ua.get('/account');
    expectPage(account, SECOND_STEP);
    await awayFromStepEdge();
    const done = await enterCode(ua, account, enrolled.app.code());
    expectPage(done, 'Your account');
    expect(done.url).toBe(`${app.issuer}/account`);
  });

  it('removes the app with the password (not with a wrong one), emailing the person', async () => {
    const user = await app.createUser();
    const ua = browser();
    await enrolAuthenticator(ua, user);
    const overview = await ua.get('/account/security');
    const wrong = await submitForm(ua, overview, { proof: 'not my password' });
    expect(wrong.status).toBe(400);
    expect(pageText(wrong)).toContain('That is neither your password nor a current code');
    const removed = await submitForm(ua, wrong, { proof: user.password });
    expect(removed.status).toBe(200);
    expect(pageText(removed)).toContain('Your authenticator app was removed.');
    expect(pageText(removed)).toContain('Not set up.');
    expect(pageText(removed)).toContain('None. You get 10');
    const notice = await mail.waitFor(user.email, /A second factor was removed/);
    expect(notice.text).toContain('An authenticator app was just removed from your account.');
    // Signing in asks for no code any more.
    const other = browser();
    const { page: next, request } = await afterPassword(other, user);
    expect((await complete(other, next, request)).claims()!.amr).toEqual(['pwd']);
  });

  it('makes new recovery codes: the earlier ones stop working', async () => {
    const { user, enrolled } = await enrolledUser();
    const ua = browser();
    const first = await signInAt(ua, user, '/account/security');
    await awayFromStepEdge();
    const overview = await enterCode(ua, first, enrolled.app.code());
    expectPage(overview, 'Security');
    const regenerate = await ua.postForm('/account/security/recovery-codes', {
      _csrf: hiddenField(overview.body, '_csrf'),
    });
    expectPage(regenerate, 'Your recovery codes');
    const fresh = recoveryCodesOn(regenerate);
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(enrolled.recoveryCodes[0]);
    const other = browser();
    const { page } = await afterPassword(other, user);
    const form = await other.get(`${new URL(page.url).pathname}?method=recovery_code`);
    const refused = await submitForm(other, form, { recovery_code: enrolled.recoveryCodes[0] });
    expect(refused.status).toBe(400);
    const accepted = await submitForm(other, refused, { recovery_code: fresh[0] });
    expectPage(accepted, 'wants to access your account');
  });
});

describe('Second factors seen and reset by an administrator', () => {
  let mail: MailServer;
  let app: TestApp;

  beforeAll(async () => {
    mail = await MailServer.start();
    app = await TestApp.start({
      SMTP_URL: mail.url,
      KEYS_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    });
  });

  it('stores the app secret sealed with KEYS_ENCRYPTION_KEY, and it still verifies', async () => {
    const user = await app.createUser();
    const ua = new UserAgent(app.issuer);
    const enrolled = await enrolAuthenticator(ua, user);
    const [row] = await new Sql(app.app.get(DataSource)).query<{ secret: string }>(
      'SELECT secret FROM totp_authenticators WHERE user_id = ?',
      [user.id],
    );
    expect(row.secret).toMatch(/^sealed:v1:/);
    expect(row.secret).not.toContain(enrolled.app.secret);
    const client = await app.createClient({ type: 'web' });
    const config = await discover(app, client);
    const request = await authorizationRequest(config, client);
    const them = new UserAgent(app.issuer);
    const second = await signIn(them, await them.get(request.url.href), user);
    await awayFromStepEdge();
    expectPage(await enterCode(them, second, enrolled.app.code()), 'wants to access');
  });

  afterAll(async () => {
    await app.close();
    await mail.close();
  });

  it('on /admin/users: "authenticator app, N recovery codes left", and a confirmed, audited, emailed reset', async () => {
    const admin = await app.createUser({ admin: true });
    const user = await app.createUser();
    await enrolAuthenticator(new UserAgent(app.issuer), user);
    const ua = new UserAgent(app.issuer);
    const page = await signInAt(ua, admin, `/admin/users/${user.id}`);
    expectPage(page, user.email);
    expect(pageText(page)).toContain('Second factors authenticator app, 10 recovery codes left');
    const ask = await ua.postForm(`/admin/users/${user.id}/reset-second-factors`, {
      _csrf: hiddenField(page.body, '_csrf'),
    });
    expectPage(ask, `Reset the second factors of ${user.email}?`);
    const done = await submitForm(ua, ask, { confirmed: 'yes' });
    expectPage(done, `The second factors of ${user.email} were removed`);
    expect(pageText(done)).toContain('Second factors none');
    const notice = await mail.waitFor(
      user.email,
      /second factors of your Gatehouse account were reset/,
    );
    expect(notice.text).toContain('An administrator removed your authenticator app');
    const audit = await new Sql(app.app.get(DataSource)).query<{ actor_id: string }>(
      "SELECT actor_id FROM audit_events WHERE event = 'second_factor.reset'",
    );
    expect(audit.map((row) => row.actor_id)).toEqual([admin.id]);
    // The person signs in with the password alone again.
    const client = await app.createClient({ type: 'web' });
    const config = await discover(app, client);
    const them = new UserAgent(app.issuer);
    const request = await authorizationRequest(config, client);
    expectPage(await signIn(them, await them.get(request.url.href), user), 'wants to access');
  });

  it('in the API: second_factors on GET /api/admin/users/:id, DELETE …/second-factors; require_mfa on POST apps', async () => {
    const admin = await app.createUser({ admin: true });
    const user = await app.createUser();
    await enrolAuthenticator(new UserAgent(app.issuer), user);
    const tool = await app.createClient({ type: 'web', scope: 'openid offline_access admin' });
    const { accessToken: token } = await userApiTokens(app, admin, 'admin', tool);
    const read = await callApi(app, `/api/admin/users/${user.id}`, { token });
    expect((read.body as { second_factors: unknown }).second_factors).toEqual({
      authenticator_app: true,
      passkeys: 0,
      recovery_codes_left: 10,
    });
    const reset = await callApi(app, `/api/admin/users/${user.id}/second-factors`, {
      method: 'DELETE',
      token,
    });
    expect(reset.status).toBe(204);
    const after = await callApi(app, `/api/admin/users/${user.id}`, { token });
    expect((after.body as { second_factors: unknown }).second_factors).toEqual({
      authenticator_app: false,
      passkeys: 0,
      recovery_codes_left: 0,
    });
    await mail.waitFor(user.email, /were reset/);
    const created = await callApi(app, '/api/admin/apps', {
      method: 'POST',
      token,
      body: {
        name: 'Payroll',
        type: 'web',
        redirect_uris: ['https://payroll.example.com/cb'],
        require_mfa: true,
      },
    });
    expect(created.status).toBe(201);
    expect((created.body as { require_mfa: boolean }).require_mfa).toBe(true);
  });
});

describe('Second factors required: by an application, by acr_values, by MFA=admins', () => {
  const setup = useTestApp({ env: { MFA: 'admins' } });

  async function authorize(
    ua: UserAgent,
    client: TestClient,
    user: TestUser,
    params: Record<string, string> = {},
  ) {
    const config = await discover(setup.app, client);
    const request = await authorizationRequest(config, client, params);
    const page = await signIn(ua, await ua.get(request.url.href), user);
    return { config, request, page };
  }

  it('an app registered --require-mfa sends a person without one to set one up, then on', async () => {
    const { app } = setup;
    const user = await app.createUser();
    const strict = await app.createClient({ type: 'web', requireMfa: true });
    const ua = new UserAgent(app.issuer);
    const { config, request, page } = await authorize(ua, strict, user);
    expectPage(page, 'Set up a second factor');
    expect(pageText(page)).toContain('web app asks for a second factor');
    const security = await ua.get(formLink(page, 'Go to second factors'));
    expectPage(security, 'Security');
    const setUp = await ua.get(formLink(security, 'Set up an authenticator app'));
    expectPage(setUp, 'Set up an authenticator app');
    const phone = new Authenticator(secretOn(setUp));
    await awayFromStepEdge();
    const codes = await submitForm(ua, setUp, {
      code: phone.code(),
      continue: hiddenField(setUp.body, 'continue'),
    });
    expectPage(codes, 'Your recovery codes');
    const back = await ua.get(formLink(codes, 'Continue signing in'));
    let next = back;
    if (next.status === 200 && next.body.includes('wants to access your account')) {
      next = await submitForm(ua, next, {});
    }
    const tokens = await oidc.authorizationCodeGrant(config, new URL(next.location!), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('acr_values asking for MFA is a step-up: a person without a factor is sent to set one up', async () => {
    const { app } = setup;
    const user = await app.createUser();
    const client = await app.createClient({ type: 'web' });
    const ua = new UserAgent(app.issuer);
    const { page } = await authorize(ua, client, user, { acr_values: 'urn:gatehouse:acr:mfa' });
    expectPage(page, 'Set up a second factor');
    const discovery = (await (
      await fetch(`${app.issuer}/.well-known/openid-configuration`)
    ).json()) as { acr_values_supported?: string[] };
    expect(discovery.acr_values_supported).toEqual([
      'urn:gatehouse:acr:password',
      'urn:gatehouse:acr:mfa',
    ]);
  });

  it('MFA=admins: an admin without one is sent to set one up before admin pages and the admin scope', async () => {
    const { app } = setup;
    const admin = await app.createUser({ admin: true });
    const ua = new UserAgent(app.issuer);
    const landed = await signInAt(ua, admin, '/admin/apps');
    expectPage(landed, 'Security');
    expect(landed.url).toBe(`${app.issuer}/account/security?required=1`);
    expect(pageText(landed)).toContain('Your organisation requires a second factor');
    const setUpPage = await ua.get('/account/security/authenticator');
    const refusedPost = await ua.postForm('/admin/apps', {
      _csrf: hiddenField(setUpPage.body, '_csrf'),
    });
    expect(refusedPost.status).toBe(403);
    // The admin scope: asked for by a tool, the authorization stops at the set-up page.
    const tool = await app.createClient({ type: 'web', scope: 'openid admin' });
    const { page } = await authorize(new UserAgent(app.issuer), tool, admin, {
      scope: 'openid admin',
    });
    expectPage(page, 'Set up a second factor');
    // Others are not concerned; nor are an admin's other apps.
    const plain = await app.createUser();
    const them = new UserAgent(app.issuer);
    expectPage(await signInAt(them, plain, '/account'), 'Your account');
    const other = await app.createClient({ type: 'web' });
    const { page: consent } = await authorize(new UserAgent(app.issuer), other, admin);
    expectPage(consent, 'wants to access your account');
  });
});

/** The href of the link (or link-styled button) named `name` on a page. */
function formLink(page: Visit, name: string): string {
  const match = new RegExp(`<a[^>]*href="([^"]+)"[^>]*>${name}</a>`).exec(page.body);
  if (!match) {
    throw new Error(`no link "${name}" on page:\n${page.body.slice(0, 2000)}`);
  }
  return match[1]
    .replace(/&amp;/g, '&')
    .replace(/&#x2F;/g, '/')
    .replace(/&#39;/g, "'");
}

describe('MFA=all: everyone sets up a second factor first', () => {
  const setup = useTestApp({ env: { MFA: 'all' } });

  it('sends a person without one from the account pages and every app to set one up', async () => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    const landed = await signInAt(ua, user, '/account/apps');
    expect(landed.url).toBe(`${app.issuer}/account/security?required=1`);
    expect(pageText(landed)).toContain('Your organisation requires a second factor');
    const client = await app.createClient({ type: 'web' });
    const request = await authorizationRequest(await discover(app, client), client);
    expectPage(await ua.get(request.url.href), 'Set up a second factor');
    // Once set up, the pages open.
    await enrolAuthenticator(ua, user);
    expectPage(await ua.get('/account/apps'), 'Connected apps');
  });
});
