import { request as httpRequest } from 'node:http';
import { discover, authorizationRequest } from '../support/oauth-client.js';
import { useTestApp } from '../support/e2e.js';
import { TestApp, type TestClient } from '../support/test-app.js';
import { formAction, hiddenField } from '../support/user-agent.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request with exactly the headers given (fetch would not let us set `Host`), to the
 * address the app listens on whatever the issuer says.
 */
function send(
  app: TestApp,
  path: string,
  options: { method?: string; headers?: Record<string, string>; form?: Record<string, string> },
): Promise<RawResponse> {
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  const headers: Record<string, string> = {
    accept: 'text/html,application/json',
    ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: app.config.host,
        port: app.config.port,
        method: options.method ?? 'GET',
        path,
        headers,
        setHost: !('host' in headers),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A cookie jar that sends every cookie everywhere: enough for one flow. */
class Jar {
  private readonly cookies = new Map<string, string>();

  header(): Record<string, string> {
    const value = [...this.cookies].map(([name, v]) => `${name}=${v}`).join('; ');
    return value ? { cookie: value } : {};
  }

  store(response: RawResponse): void {
    for (const line of setCookies(response)) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
}

function setCookies(response: RawResponse): string[] {
  const value = response.headers['set-cookie'];
  return Array.isArray(value) ? value : value ? [value] : [];
}

/** Every absolute http(s) URL in a text, up to a quote, space or angle bracket. */
function urlsIn(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s"'<>\\)]+/g)].map((m) => m[0]);
}

/** What a request for another host may not get back: that host, anywhere. */
const FOREIGN = /evil\.test/i;

/** The ways a request can claim to be for another host. */
const DISGUISES: [string, Record<string, string>][] = [
  ['Host: evil.test:1', { host: 'evil.test:1' }],
  ['X-Forwarded-Host: evil.test', { 'x-forwarded-host': 'evil.test' }],
  [
    'X-Forwarded-Host and X-Forwarded-Proto',
    { 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'https' },
  ],
  ['Forwarded: host=evil.test', { forwarded: 'host=evil.test;proto=https' }],
];

/**
 * Every URL Gatehouse publishes or redirects to derives from ISSUER, whatever the request says
 * about its host (`Host`, `X-Forwarded-Host`, `X-Forwarded-Proto`), so that a cache in front of
 * it cannot be poisoned with another host's URLs (RFC 9110 §7.2, §17.1).
 */
describe.each([
  ['TRUST_PROXY off', 'false'],
  ['TRUST_PROXY on', 'true'],
])('Host pinning (%s)', (_label, trustProxy) => {
  const setup = useTestApp({ env: { TRUST_PROXY: trustProxy } });
  let web: TestClient;
  let tv: TestClient;

  beforeAll(async () => {
    const { app } = setup;
    web = await app.createClient({ type: 'web' });
    tv = await app.createClient({ type: 'device' });
  });

  /** Nothing of the foreign host anywhere; redirects to the issuer (or `allowed` origins). */
  function expectPinned(response: RawResponse, allowed: string[] = []): void {
    const headers = JSON.stringify(response.headers);
    expect(headers).not.toMatch(FOREIGN);
    expect(response.body).not.toMatch(FOREIGN);
    const location = response.headers.location;
    // A redirect names the issuer (or the client's redirect URI), or only a path on the host
    // the browser already used, as the sign-in page's does (RFC 9110 §10.2.2).
    if (typeof location === 'string') {
      expect(location).toMatch(/^(https?:\/\/|\/(?!\/))/);
      expectIssuerUrls(location, allowed);
    }
    for (const cookie of setCookies(response)) {
      // http issuer: no Secure flag, even when a proxy header claims https.
      expect(cookie).not.toMatch(/;\s*secure/i);
      expect(cookie).not.toMatch(/;\s*domain=/i);
    }
  }

  function expectIssuerUrls(text: string, allowed: string[] = []): void {
    const { app } = setup;
    const origins = [app.issuer, ...allowed];
    const foreign = urlsIn(text).filter(
      (url) => !origins.some((origin) => url === origin || url.startsWith(`${origin}/`)),
    );
    expect(foreign).toEqual([]);
  }

  describe.each(DISGUISES)('%s', (_name, disguise) => {
    it('discovery and RFC 8414 metadata name the issuer’s endpoints only', async () => {
      const { app } = setup;
      for (const path of [
        '/.well-known/openid-configuration',
        '/.well-known/oauth-authorization-server',
      ]) {
        const response = await send(app, path, { headers: disguise });
        expect(response.status).toBe(200);
        expectPinned(response);
        const metadata = JSON.parse(response.body) as Record<string, unknown>;
        expect(metadata.issuer).toBe(app.issuer);
        for (const name of [
          'authorization_endpoint',
          'token_endpoint',
          'userinfo_endpoint',
          'jwks_uri',
          'end_session_endpoint',
          'revocation_endpoint',
          'introspection_endpoint',
          'pushed_authorization_request_endpoint',
          'device_authorization_endpoint',
        ]) {
          expect(String(metadata[name])).toMatch(new RegExp(`^${app.issuer}/`));
        }
        expectIssuerUrls(response.body);
      }
    });

    it('the JWKS and the API documentation name no other host', async () => {
      const { app } = setup;
      const jwks = await send(app, '/oauth/jwks', { headers: disguise });
      expect(jwks.status).toBe(200);
      expectPinned(jwks);

      const docs = await send(app, '/api/docs/openapi.json', { headers: disguise });
      expect(docs.status).toBe(200);
      expectPinned(docs);
      const document = JSON.parse(docs.body) as { servers: { url: string }[] };
      expect(document.servers.map((s) => s.url)).toEqual([app.issuer]);
      expectIssuerUrls(docs.body);
    });

    it('the device authorization response points at the issuer’s verification page', async () => {
      const { app } = setup;
      const response = await send(app, '/oauth/device/auth', {
        method: 'POST',
        headers: { ...disguise, accept: 'application/json' },
        form: { client_id: tv.clientId, scope: 'openid' },
      });
      expect(response.status).toBe(200);
      expectPinned(response);
      const body = JSON.parse(response.body) as Record<string, string>;
      expect(body.verification_uri).toBe(app.url('/device'));
      expect(body.verification_uri_complete).toMatch(new RegExp(`^${app.issuer}/device\\?`));

      const page = await send(app, '/device', { headers: disguise });
      expect(page.status).toBe(200);
      expectPinned(page);
      expectIssuerUrls(page.body);
    });

    it('a whole authorization, sign-in included, redirects only to the issuer and the client', async () => {
      const { app, user } = setup;
      const config = await discover(app, web);
      const { url } = await authorizationRequest(config, web, { prompt: 'consent' });
      const jar = new Jar();
      const get = async (path: string) => {
        const response = await send(app, path, { headers: { ...disguise, ...jar.header() } });
        jar.store(response);
        expectPinned(response, [new URL(web.redirectUri).origin]);
        return response;
      };

      const pathOf = (response: RawResponse) => {
        const next = new URL(response.headers.location as string, app.issuer);
        return `${next.pathname}${next.search}`;
      };

      const authorize = await get(`${url.pathname}${url.search}`);
      expect(authorize.status).toBe(303);
      const interaction = new URL(authorize.headers.location as string, app.issuer);
      expect(interaction.href).toMatch(new RegExp(`^${app.issuer}/interaction/`));

      const page = await get(interaction.pathname);
      expect(page.status).toBe(200);
      expectIssuerUrls(page.body);
      const login = await send(app, formAction(page.body), {
        method: 'POST',
        headers: { ...disguise, ...jar.header() },
        form: {
          _csrf: hiddenField(page.body, '_csrf'),
          email: user.email,
          password: user.password,
        },
      });
      jar.store(login);
      expectPinned(login);
      expect(login.status).toBe(303);

      // Resuming the authorization; then consent, then back to the client with its code.
      let next = await get(pathOf(login));
      expect(next.status).toBe(303);
      next = await get(pathOf(next));
      expect(next.status).toBe(200);
      const consent = await send(app, formAction(next.body), {
        method: 'POST',
        headers: { ...disguise, ...jar.header() },
        form: { _csrf: hiddenField(next.body, '_csrf') },
      });
      jar.store(consent);
      expectPinned(consent);
      const callback = await get(pathOf(consent));
      expect(callback.status).toBe(303);
      const back = new URL(callback.headers.location as string);
      expect(`${back.origin}${back.pathname}`).toBe(web.redirectUri);
      // RFC 9207: the issuer identifies itself in the response, never the requested host.
      expect(back.searchParams.get('iss')).toBe(app.issuer);
      expect(back.searchParams.get('code')).toBeTruthy();

      // Signing out: the confirmation page, its form, and where it leads.
      const logout = await get('/oauth/logout');
      expect(logout.status).toBe(200);
      expectIssuerUrls(logout.body);
      const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(logout.body)!;
      expect(action[1]).toBe(app.url('/oauth/logout/confirm'));
      const confirmed = await send(app, new URL(action[1]).pathname, {
        method: 'POST',
        headers: { ...disguise, ...jar.header() },
        form: { xsrf: /name="xsrf" value="([^"]+)"/.exec(logout.body)![1], logout: 'yes' },
      });
      expectPinned(confirmed);
      expect(confirmed.status).toBe(303);
      expect(confirmed.headers.location).toBe(app.url('/oauth/logout/success'));
    });

    it('the account and admin pages send a signed-out browser to the issuer’s endpoints', async () => {
      const { app } = setup;
      for (const path of ['/account', '/account/apps', '/admin/apps']) {
        const response = await send(app, path, { headers: disguise });
        expect(response.status).toBe(303);
        expectPinned(response);
        const location = new URL(response.headers.location as string);
        expect(`${location.origin}${location.pathname}`).toBe(app.url('/oauth/authorize'));
        expect(location.searchParams.get('redirect_uri')).toBe(app.url('/account/callback'));
      }
    });

    it('error pages name no other host', async () => {
      const { app } = setup;
      for (const path of ['/no-such-page', '/oauth/authorize?client_id=nope', '/interaction/x']) {
        const response = await send(app, path, { headers: disguise });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expectPinned(response);
      }
    });
  });
});

/**
 * An https issuer behind a TLS-terminating proxy: the proxy speaks http to Gatehouse, and
 * may not say so (TRUST_PROXY off). URLs are the issuer's and every cookie is Secure, the
 * engine's and Gatehouse's alike.
 */
describe('Host pinning (https issuer behind a TLS-terminating proxy)', () => {
  const issuer = 'https://id.example.test';
  const setup = useTestApp({ env: { ISSUER: issuer }, user: false });
  let web: TestClient;

  beforeAll(async () => {
    const { app } = setup;
    web = await app.createClient({ type: 'web' });
  });

  function expectSecureCookies(response: RawResponse, names: string[]): void {
    const cookies = setCookies(response);
    for (const name of names) {
      const cookie = cookies.find((c) => c.startsWith(`${name}=`));
      expect(cookie).toMatch(/;\s*secure/i);
    }
  }

  it.each([
    ['no proxy headers', {}],
    ['X-Forwarded-Proto: http', { 'x-forwarded-proto': 'http', host: 'evil.test:1' }],
  ])('serves the issuer’s URLs and Secure cookies with %s', async (_name, headers) => {
    const { app } = setup;
    const discovery = await send(app, '/.well-known/openid-configuration', { headers });
    const metadata = JSON.parse(discovery.body) as Record<string, string>;
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.token_endpoint).toBe(`${issuer}/oauth/token`);
    expect(discovery.body).not.toMatch(/http:\/\//);

    const params = new URLSearchParams({
      client_id: web.clientId,
      response_type: 'code',
      redirect_uri: web.redirectUri,
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const authorize = await send(app, `/oauth/authorize?${params.toString()}`, { headers });
    expect(authorize.status).toBe(303);
    expectSecureCookies(authorize, ['_interaction', '_interaction_resume']);
    const interaction = new URL(authorize.headers.location as string, issuer);

    const cookie = setCookies(authorize)
      .map((c) => c.split(';')[0])
      .join('; ');
    const page = await send(app, interaction.pathname, { headers: { ...headers, cookie } });
    expect(page.status).toBe(200);
    expectSecureCookies(page, ['gatehouse.csrf']);

    const account = await send(app, '/account', { headers });
    expect(account.status).toBe(303);
    expect(account.headers.location).toMatch(new RegExp(`^${issuer}/oauth/authorize\\?`));
    expectSecureCookies(account, ['gatehouse.account_sign_in']);
  });
});

/** STRICT_HOST=true: other hosts are told they are at the wrong server (RFC 9110 §15.5.20). */
describe('STRICT_HOST', () => {
  const setup = useTestApp({ env: { STRICT_HOST: 'true', TRUST_PROXY: 'true' }, user: false });

  const paths = [
    '/.well-known/openid-configuration',
    '/oauth/jwks',
    '/account',
    '/api/docs/openapi.json',
  ];

  it.each([
    ['Host: evil.test:1', { host: 'evil.test:1' }],
    ['X-Forwarded-Host: evil.test from a trusted proxy', { 'x-forwarded-host': 'evil.test' }],
  ])('answers 421 Misdirected Request to %s, on every route', async (_name, headers) => {
    const { app } = setup;
    for (const path of paths) {
      const response = await send(app, path, { headers });
      expect(response.status).toBe(421);
      expect(response.body).toBe(
        `This server only answers requests for ${new URL(app.issuer).host}.\n`,
      );
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(setCookies(response)).toEqual([]);
    }
    const token = await send(app, '/oauth/token', {
      method: 'POST',
      headers,
      form: { grant_type: 'client_credentials' },
    });
    expect(token.status).toBe(421);
  });

  it('serves the issuer’s host, in any case, and health checks addressed to the instance', async () => {
    const { app } = setup;
    const host = new URL(app.issuer).host;
    for (const path of paths) {
      const response = await send(app, path, { headers: { host: host.toUpperCase() } });
      expect(response.status).not.toBe(421);
    }
    const health = await send(app, '/health', { headers: { host: '10.0.0.5:3000' } });
    expect(health.status).toBe(200);
  });
});
