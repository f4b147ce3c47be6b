import type { Configuration } from 'openid-client';
import { useTestApp } from '../support/e2e.js';
import type { TestClient } from '../support/test-app.js';
import { authorizationRequest, discover, expectPage } from '../support/oauth-client.js';
import { formAction, hiddenField, UserAgent, type Visit } from '../support/user-agent.js';

/** Sign-in page security: CSRF, throttling, and no account enumeration. */
describe('sign-in page', () => {
  // Behind a trusted proxy, so each test can come from its own client address.
  const setup = useTestApp({ env: { TRUST_PROXY: 'true' } });
  let client: TestClient;
  let config: Configuration;
  let address = 0;

  beforeAll(async () => {
    const { app } = setup;
    client = await app.createClient({ type: 'web' });
    config = await discover(app, client);
  });

  /** A browser from a fresh address, on the sign-in page of a new authorization request. */
  async function openSignIn(): Promise<{ ua: UserAgent; page: Visit; ip: string }> {
    const { app } = setup;
    const ip = `203.0.113.${++address}`;
    const ua = new UserAgent(app.issuer);
    const request = await authorizationRequest(config, client);
    const page = await ua.get(request.url.href, { 'x-forwarded-for': ip });
    expectPage(page, 'Sign in');
    return { ua, page, ip };
  }

  async function post(
    ua: UserAgent,
    page: Visit,
    fields: Record<string, string>,
    ip: string,
  ): Promise<Response> {
    return ua.raw(formAction(page.body), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': ip,
      },
      body: new URLSearchParams(fields).toString(),
    });
  }

  it('has labelled Email and Password fields and a Sign in button', async () => {
    const { page } = await openSignIn();
    expect(page.body).toContain('<label for="email">Email</label>');
    expect(page.body).toContain('<input id="email" name="email" type="email"');
    expect(page.body).toContain('<label for="password">Password</label>');
    expect(page.body).toContain('<input id="password" name="password" type="password"');
    expect(page.body).toContain('<button type="submit">Sign in</button>');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('sends anti-framing headers and a strict CSP', async () => {
    const { page } = await openSignIn();
    const csp = page.headers.get('content-security-policy');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('sets HttpOnly, SameSite, signed session cookies', async () => {
    const { user } = setup;
    const { ua, page, ip } = await openSignIn();
    const response = await post(
      ua,
      page,
      { _csrf: hiddenField(page.body, '_csrf'), email: user.email, password: user.password },
      ip,
    );
    expect(response.status).toBe(303);
    // The session starts when the authorization endpoint resumes after sign-in.
    const resume = await ua.raw(response.headers.get('location')!);
    const cookies = resume.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('_session='));
    expect(session).toMatch(/; httponly/i);
    expect(session).toMatch(/; samesite=lax/i);
    expect(cookies.some((c) => c.startsWith('_session.sig='))).toBe(true);
    const csrf = page.headers.getSetCookie().find((c) => c.startsWith('gatehouse.csrf='));
    expect(csrf).toMatch(/; HttpOnly/);
    expect(csrf).toMatch(/; SameSite=Lax/);
    expect(csrf).toMatch(/^gatehouse\.csrf=[^;]+\.[^;]+;/); // value.signature
  });

  it('refuses a post without the CSRF token, or with a forged one, and loses nothing', async () => {
    const { app, user } = setup;
    const { ua, page, ip } = await openSignIn();
    const fields = { email: user.email, password: user.password };

    const missing = await post(ua, page, fields, ip);
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('This form has expired or was not sent by Gatehouse');

    const forged = await post(ua, page, { ...fields, _csrf: 'forged-token' }, ip);
    expect(forged.status).toBe(403);
    await forged.arrayBuffer();

    const withoutCookie = new UserAgent(app.issuer);
    const stolenToken = await post(
      withoutCookie,
      page,
      { ...fields, _csrf: hiddenField(page.body, '_csrf') },
      ip,
    );
    expect(stolenToken.status).toBe(403);
    await stolenToken.arrayBuffer();

    // The interaction is untouched: the real form still works.
    const ok = await post(ua, page, { ...fields, _csrf: hiddenField(page.body, '_csrf') }, ip);
    expect(ok.status).toBe(303);
  });

  it('answers an unknown email exactly like a wrong password', async () => {
    const { user } = setup;
    const wrong = await openSignIn();
    const unknown = await openSignIn();
    const a = await post(
      wrong.ua,
      wrong.page,
      {
        _csrf: hiddenField(wrong.page.body, '_csrf'),
        email: 'x@example.com',
        password: 'nope-nope',
      },
      wrong.ip,
    );
    const b = await post(
      unknown.ua,
      unknown.page,
      {
        _csrf: hiddenField(unknown.page.body, '_csrf'),
        email: user.email,
        password: 'nope-nope',
      },
      unknown.ip,
    );
    expect(a.status).toBe(400);
    expect(b.status).toBe(400);
    const normalize = (html: string, email: string) =>
      html
        .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""') // every form's
        .replace(/\/interaction\/[^/"]+\//g, '/interaction/UID/')
        .replace(`value="${email}"`, 'value=""');
    const bodyA = normalize(await a.text(), 'x@example.com');
    const bodyB = normalize(await b.text(), user.email);
    expect(bodyA).toBe(bodyB);
    expect(bodyA).toContain('Incorrect email or password.');
  });

  it('throttles repeated failures per account, even with the right password afterwards', async () => {
    const { app } = setup;
    const victim = await app.createUser();
    for (let attempt = 1; attempt <= 10; attempt++) {
      const { ua, page, ip } = await openSignIn();
      const response = await post(
        ua,
        page,
        {
          _csrf: hiddenField(page.body, '_csrf'),
          email: victim.email,
          password: `guess-${attempt}`,
        },
        ip,
      );
      expect(response.status).toBe(400);
      await response.arrayBuffer();
    }
    const { ua, page, ip } = await openSignIn();
    const blocked = await post(
      ua,
      page,
      { _csrf: hiddenField(page.body, '_csrf'), email: victim.email, password: victim.password },
      ip,
    );
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(await blocked.text()).toContain('Too many sign-in attempts. Try again in 15 minute(s).');
  });

  it('throttles repeated failures per address, whatever the account', async () => {
    const { user } = setup;
    const ip = '198.51.100.7';
    for (let attempt = 1; attempt <= 50; attempt++) {
      const { ua, page } = await openSignIn();
      const response = await post(
        ua,
        page,
        {
          _csrf: hiddenField(page.body, '_csrf'),
          email: `nobody-${attempt}@example.com`,
          password: 'whatever1',
        },
        ip,
      );
      expect(response.status).toBe(400);
      await response.arrayBuffer();
    }
    const { ua, page } = await openSignIn();
    const blocked = await post(
      ua,
      page,
      { _csrf: hiddenField(page.body, '_csrf'), email: user.email, password: user.password },
      ip,
    );
    expect(blocked.status).toBe(429);
    await blocked.arrayBuffer();
  });

  it('asks again for missing fields without counting a failure', async () => {
    const { ua, page, ip } = await openSignIn();
    const response = await post(
      ua,
      page,
      { _csrf: hiddenField(page.body, '_csrf'), email: '' },
      ip,
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Enter your email and password.');
  });

  it('a stale or forged interaction is a readable 400 page', async () => {
    const { app } = setup;
    const ua = new UserAgent(app.issuer);
    const noCookie = await ua.get('/interaction/abc123');
    expect(noCookie.status).toBe(400);
    expect(noCookie.body).toContain('<h1 id="page-title">Your sign-in expired</h1>');

    ua.setCookie('_interaction', 'garbage', '/interaction/abc123');
    ua.setCookie('_interaction.sig', 'garbage', '/interaction/abc123');
    const garbage = await ua.get('/interaction/abc123');
    expect(garbage.status).toBe(400);
    expect(garbage.body).not.toMatch(/at .*\.(js|ts):\d+/);

    const { ua: owner, page } = await openSignIn();
    const otherUid = await owner.get(
      formAction(page.body)
        .replace(/\/interaction\/[^/]+/, '/interaction/other-uid')
        .replace(/\/login$/, ''),
    );
    expect(otherUid.status).toBe(400);
  });
});
