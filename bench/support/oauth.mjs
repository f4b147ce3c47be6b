// OAuth helpers for the benchmark: client_secret_basic, a token request, and the authorization
// code flow through Gatehouse's real sign-in and consent pages (cf. test/support/user-agent.ts).

/* global fetch, Headers, AbortSignal -- Node's built-in web APIs (eslint.config.js declares only a few globals) */
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { URLSearchParams } from 'node:url';

/** No single request of the set-up may hang the benchmark. */
export const REQUEST_TIMEOUT_MS = 30_000;

export const basic = (id, secret) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export async function tokenRequest(issuer, auth, params) {
  const response = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await response.json().catch(() => ({}));
  return { status: response.status, body };
}

/** A cookie jar plus manual redirects, enough for the sign-in and consent pages (cf. test/support/user-agent.ts). */
export class Browser {
  #cookies = new Map();

  constructor(origin) {
    this.origin = origin;
  }

  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    headers.set('accept', 'text/html');
    if (this.#cookies.size) {
      headers.set('cookie', [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const response = await fetch(url, {
      ...init,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attrs] = header.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const expired = attrs.some(
        (a) =>
          /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()),
      );
      if (expired) {
        this.#cookies.delete(pair.slice(0, eq));
      } else {
        this.#cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
    }
    return response;
  }

  /** Follows same-origin redirects; stops at a page or at a redirect leaving the origin. */
  async visit(url, init) {
    let current = new URL(url, this.origin).href;
    for (let hop = 0; hop < 15; hop++) {
      const response = await this.request(current, init);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.arrayBuffer();
        const next = new URL(location, current);
        if (next.origin !== this.origin) {
          return { status: response.status, url: current, location: next.href, body: '' };
        }
        current = next.href;
        init = { method: 'GET' };
        continue;
      }
      return { status: response.status, url: current, body: await response.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  postForm(url, fields) {
    return this.visit(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

const decode = (s) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&#x2F;/g, '/')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');
function formOf(page, what) {
  const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1];
  const csrf = /<input type="hidden" name="_csrf" value="([^"]*)"/.exec(page.body)?.[1];
  if (page.status !== 200 || !action || csrf === undefined) {
    throw new Error(
      `expected the ${what} page, got ${page.status} at ${page.url}${page.location ? ` -> ${page.location}` : ''}\n${page.body.slice(0, 1500)}`,
    );
  }
  return { action: decode(action), csrf };
}

/**
 * With Gatehouse's CLI (see gatehouse.mjs `setup`): a confidential web app redirecting to
 * `redirectUri` and a user who can sign in. Returns the app as tokensViaPages takes it.
 */
export function registerWebAppAndUser(cli, user, redirectUri) {
  const web = cli(
    'clients:create',
    '--name',
    'Bench web',
    '--type',
    'web',
    '--redirect-uri',
    redirectUri,
  );
  cli('users:create', '--email', user.email, '--password', user.password, '--name', 'Bench User');
  return { clientId: web.client_id, clientSecret: web.client_secret, redirectUri };
}

/**
 * The authorization code flow through Gatehouse's real pages: authorize (PKCE S256, `scope`,
 * prompt=consent) -> sign in -> Allow -> code -> token endpoint. Returns the token response.
 */
export async function tokensViaPages(issuer, web, user, scope) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(`${issuer}/oauth/authorize`);
  authorize.search = new URLSearchParams({
    client_id: web.clientId,
    response_type: 'code',
    redirect_uri: web.redirectUri,
    scope,
    prompt: 'consent',
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  const browser = new Browser(new URL(issuer).origin);
  let page = await browser.visit(authorize.href);
  const login = formOf(page, 'sign-in');
  page = await browser.postForm(login.action, {
    _csrf: login.csrf,
    email: user.email,
    password: user.password,
  });
  if (!page.location) {
    const consent = formOf(page, 'consent');
    page = await browser.postForm(consent.action, { _csrf: consent.csrf });
  }
  if (!page.location?.startsWith(web.redirectUri)) {
    throw new Error(
      `flow did not return to the client: ${page.status} ${page.url}\n${page.body.slice(0, 1500)}`,
    );
  }
  const callback = new URL(page.location);
  if (callback.searchParams.get('state') !== state || !callback.searchParams.get('code')) {
    throw new Error(`bad callback ${callback.href}`);
  }
  const { status, body } = await tokenRequest(issuer, basic(web.clientId, web.clientSecret), {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code'),
    redirect_uri: web.redirectUri,
    code_verifier: verifier,
  });
  if (status !== 200 || typeof body.access_token !== 'string') {
    throw new Error(`code redemption failed (${status}): ${JSON.stringify(body)}`);
  }
  return body;
}

/** A refresh token (scope openid offline_access) from the code flow through the real pages. */
export async function refreshTokenViaPages(issuer, web, user) {
  const body = await tokensViaPages(issuer, web, user, 'openid offline_access');
  if (!body.refresh_token) {
    throw new Error(`no refresh token: ${JSON.stringify(body)} (is offline_access granted?)`);
  }
  return body.refresh_token;
}
