import { TestApp } from '../support/test-app.js';
import { authorizationRequest, approve, discover } from '../support/oauth-client.js';
import { formAction, hiddenField, UserAgent } from '../support/user-agent.js';

/**
 * Several instances on one database (PostgreSQL in CI's second run, SQLite here): keys,
 * sessions, codes and tokens made by one are good at the other.
 */
describe('two instances sharing one database', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await TestApp.start();
    b = await a.startAnotherInstance();
  });

  afterAll(async () => {
    await b.app.close();
    await a.close();
  });

  it('publish the same keys and discovery issuer', async () => {
    const jwks = async (app: TestApp) => (await fetch(`${app.origin}/oauth/jwks`)).json();
    expect(await jwks(b)).toEqual(await jwks(a));
    const issuerOf = async (app: TestApp) =>
      (
        (await (await fetch(`${app.origin}/.well-known/openid-configuration`)).json()) as {
          issuer: string;
        }
      ).issuer;
    expect(await issuerOf(b)).toBe(a.issuer);
  });

  it('a code from one instance is redeemed at the other, and its token works at either', async () => {
    const user = await a.createUser();
    const client = await a.createClient({ type: 'web' });
    const request = await authorizationRequest(await discover(a, client), client);
    const callback = await approve(new UserAgent(a.issuer), request, user);

    const token = await fetch(`${b.origin}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        redirect_uri: client.redirectUri,
        code_verifier: request.verifier,
      }),
    });
    expect(token.status).toBe(200);
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    for (const app of [a, b]) {
      const userinfo = await fetch(`${app.origin}/oauth/userinfo`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(userinfo.status).toBe(200);
      expect(((await userinfo.json()) as { sub: string }).sub).toBe(user.id);
    }
  });

  it('a browser session started at one instance is recognised by the other', async () => {
    const user = await a.createUser();
    const client = await a.createClient({ type: 'spa' });
    const config = await discover(a, client);
    const ua = new UserAgent(a.issuer);
    await approve(ua, await authorizationRequest(config, client), user);

    // Same cookies, other instance: straight back to the app, no sign-in page.
    const atB = new UserAgent(b.origin);
    for (const name of ['_session', '_session.sig']) {
      atB.setCookie(name, ua.cookieValue(name)!);
    }
    const request = await authorizationRequest(config, client);
    const visit = await atB.get(request.url.href.replace(a.issuer, b.origin));
    expect(visit.location).toMatch(/^https:\/\/app\.example\.com\/callback\?code=/);
  });

  it('count failed sign-ins together: throttling is not per instance', async () => {
    const victim = await a.createUser();
    const client = await a.createClient({ type: 'web' });
    const config = await discover(a, client);
    const attempt = async (app: TestApp, password: string) => {
      const ua = new UserAgent(app.origin);
      const request = await authorizationRequest(config, client);
      const page = await ua.get(request.url.href.replace(a.issuer, app.origin));
      return ua.raw(formAction(page.body), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: hiddenField(page.body, '_csrf'),
          email: victim.email,
          password,
        }).toString(),
      });
    };
    for (let i = 0; i < 10; i++) {
      const response = await attempt(i % 2 ? a : b, `wrong-${i}`);
      expect(response.status).toBe(400);
      await response.arrayBuffer();
    }
    for (const app of [a, b]) {
      const blocked = await attempt(app, victim.password);
      expect(blocked.status).toBe(429);
      await blocked.arrayBuffer();
    }
  });
});
