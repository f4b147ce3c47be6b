import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page, Response } from 'playwright-core';
import { SCOPES } from '../../src/tokens/scopes.js';
import { authorizationRequest, discover, oidc } from '../support/oauth-client.js';
import { heading, TEST_TIMEOUT, useBrowser } from '../support/browser.js';
import { useTestApp } from '../support/e2e.js';
import type { TestClient } from '../support/test-app.js';

/**
 * The sign-in and consent pages in a real browser (Debian's Chromium driven by playwright-core):
 * what the e2e tests' UserAgent only imitates — labels, buttons, redirects, security headers and
 * pages that work without JavaScript.
 *
 * GATEHOUSE_SCREENSHOTS=<dir> saves the sign-in and consent pages there, to look at them.
 */

const CALLBACK_ORIGIN = 'https://app.example.com';
const SCREENSHOTS = process.env.GATEHOUSE_SCREENSHOTS;

describe('sign-in and consent pages in a browser', () => {
  const browser = useBrowser({ fakeOrigins: [CALLBACK_ORIGIN] });
  const setup = useTestApp({ user: { name: 'Alice Example' } });

  /**
   * The URL the browser is sent to on the client's callback. The request event fires for every
   * redirect hop (route handlers do not), so this sees the authorization response itself.
   */
  function callbackUrl(page: Page, client: TestClient): Promise<URL> {
    return page
      .waitForRequest((request) => request.url().startsWith(`${client.redirectUri}?`))
      .then((request) => new URL(request.url()));
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    if (SCREENSHOTS) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    }
  }

  /** Fills in and submits the sign-in form, as a person would, and waits for the next page. */
  async function signIn(page: Page): Promise<void> {
    const { user } = setup;
    expect(await heading(page)).toBe('Sign in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    const signInPage = page.url();
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // The next step (consent) is a new interaction, so a new /interaction/<uid> page.
    await page.waitForURL(
      (url) => url.href !== signInPage && /^\/interaction\/[\w-]+$/.test(url.pathname),
      { waitUntil: 'load' },
    );
  }

  it(
    'signs in, lists the requested scopes, and Allow returns a code the app redeems',
    async () => {
      const { app, user } = setup;
      const client = await app.createClient({ type: 'web', name: 'Acme Photos' });
      const config = await discover(app, client);
      const request = await authorizationRequest(config, client, { scope: 'openid profile email' });
      const page = await browser.newPage();

      await page.goto(request.url.href);
      expect(new URL(page.url()).origin).toBe(app.issuer);
      expect(await page.title()).toBe('Sign in · Gatehouse');
      expect(await page.getByText('to continue to Acme Photos').count()).toBe(1);
      await screenshot(page, 'sign-in');
      await signIn(page);

      expect(await heading(page)).toBe('Acme Photos wants to access your account');
      expect(await page.title()).toBe('Authorize Acme Photos · Gatehouse');
      expect(await page.getByText(`Signed in as ${user.email}.`).count()).toBe(1);
      const items = page.getByRole('list').getByRole('listitem');
      expect(await items.locator('.scope-description').allTextContents()).toEqual([
        SCOPES.openid,
        SCOPES.profile,
        SCOPES.email,
      ]);
      expect(await items.locator('code').allTextContents()).toEqual(['openid', 'profile', 'email']);
      expect(await page.getByRole('button').allTextContents()).toEqual(['Allow', 'Deny']);
      await screenshot(page, 'consent');

      const callback = callbackUrl(page, client);
      await page.getByRole('button', { name: 'Allow', exact: true }).click();
      const url = await callback;
      await page.waitForURL(url.href);
      expect(await page.textContent('body')).toBe('ok');

      expect(url.origin + url.pathname).toBe(client.redirectUri);
      expect([...url.searchParams.keys()].sort()).toEqual(['code', 'iss', 'state']);
      expect(url.searchParams.get('state')).toBe(request.state);
      expect(url.searchParams.get('iss')).toBe(app.issuer);
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
        idTokenExpected: true,
      });
      expect(tokens.scope?.split(' ').sort()).toEqual(['email', 'openid', 'profile']);
      expect(tokens.claims()).toMatchObject({
        iss: app.issuer,
        aud: client.clientId,
        sub: user.id,
        nonce: request.nonce,
      });
    },
    TEST_TIMEOUT,
  );

  it.each([
    ['spa', 'https://app.example.com/spa/callback', 'https://app.example.com/spa/callback'],
    // RFC 8252 §7.3: registered without a port, used with whatever port the app listens on.
    ['native', 'http://127.0.0.1/callback', 'http://127.0.0.1:49152/callback'],
  ] as const)(
    'a %s app completes the flow through the same pages',
    async (type, registered, used) => {
      const { app, user } = setup;
      const client = await app.createClient({ type, redirectUris: [registered] });
      const asUsed = { ...client, redirectUri: used };
      const config = await discover(app, client);
      const request = await authorizationRequest(config, asUsed);
      const page = await browser.newPage();
      await page.route(`${new URL(used).origin}/**`, (route) =>
        route.fulfill({ status: 200, contentType: 'text/plain', body: 'ok' }),
      );

      await page.goto(request.url.href);
      await signIn(page);
      expect(await heading(page)).toBe(`${type} app wants to access your account`);
      const callback = callbackUrl(page, asUsed);
      await page.getByRole('button', { name: 'Allow', exact: true }).click();
      const url = await callback;

      expect(url.origin + url.pathname).toBe(used);
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
        idTokenExpected: true,
      });
      expect(tokens.claims()).toMatchObject({ aud: client.clientId, sub: user.id });
    },
    TEST_TIMEOUT,
  );

  it(
    'Deny sends the browser back to the app with access_denied and its state',
    async () => {
      const { app } = setup;
      const client = await app.createClient({ type: 'web', name: 'Nosy App' });
      const config = await discover(app, client);
      const request = await authorizationRequest(config, client);
      const page = await browser.newPage();

      await page.goto(request.url.href);
      await signIn(page);
      expect(await heading(page)).toBe('Nosy App wants to access your account');

      const callback = callbackUrl(page, client);
      await page.getByRole('button', { name: 'Deny', exact: true }).click();
      const url = await callback;

      expect(url.origin + url.pathname).toBe(client.redirectUri);
      expect(Object.fromEntries(url.searchParams)).toEqual({
        error: 'access_denied',
        error_description: 'The user denied the request',
        state: request.state,
        iss: app.issuer,
      });
      await expect(
        oidc.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: request.verifier,
          expectedState: request.state,
        }),
      ).rejects.toMatchObject({ error: 'access_denied' });
    },
    TEST_TIMEOUT,
  );

  it(
    'pages forbid framing and work with JavaScript disabled',
    async () => {
      const { app } = setup;
      const client = await app.createClient({ type: 'web', name: 'Plain HTML App' });
      const config = await discover(app, client);
      const request = await authorizationRequest(config, client);
      const page = await browser.newPage({ javaScriptEnabled: false });
      /** Every HTML page of ours the browser showed, as it received it. */
      const pages: Response[] = [];
      page.on('response', (response) => {
        if (
          response.request().isNavigationRequest() &&
          response.url().startsWith(`${app.issuer}/`) &&
          response.status() === 200
        ) {
          pages.push(response);
        }
      });

      await page.goto(request.url.href);
      await signIn(page);
      expect(await heading(page)).toBe('Plain HTML App wants to access your account');
      const callback = callbackUrl(page, client);
      await page.getByRole('button', { name: 'Allow', exact: true }).click();
      const url = await callback;
      expect(url.searchParams.get('state')).toBe(request.state);
      expect(url.searchParams.get('code')).toMatch(/^[\w-]{20,}$/);

      expect(pages.map((response) => new URL(response.url()).pathname)).toEqual([
        expect.stringMatching(/^\/interaction\/[\w-]+$/), // sign-in
        expect.stringMatching(/^\/interaction\/[\w-]+$/), // consent
      ]);
      for (const [index, response] of pages.entries()) {
        const headers = await response.allHeaders();
        expect(headers['content-type']).toBe('text/html; charset=utf-8');
        expect(headers['x-frame-options']).toBe('DENY');
        const csp = parseCsp(headers['content-security-policy']);
        expect(csp.get('frame-ancestors')).toBe("'none'");
        expect(csp.get('default-src')).toBe("'none'");
        // Only the sign-in page runs a script: the passkey ceremony's, served from Gatehouse.
        expect(csp.get('script-src')).toBe(index === 0 ? "'self'" : undefined);
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'another site cannot frame the sign-in page',
    async () => {
      const { app } = setup;
      const client = await app.createClient({ type: 'web' });
      const config = await discover(app, client);
      const request = await authorizationRequest(config, client);
      // The framing site must be on loopback too, or Chromium's local-network-access checks
      // would block the frame before our headers are even read.
      const attacker = await serve(`<!doctype html><iframe src="${request.url.href}"></iframe>`);
      try {
        const page = await browser.newPage();
        const blocked = page.waitForEvent('requestfailed', (failed) =>
          failed.url().startsWith(`${app.issuer}/interaction/`),
        );
        const violation = page.waitForEvent('console', (message) =>
          message.text().includes('frame-ancestors'),
        );
        // The frame ends on Chromium's error page; the console message can come first.
        const errorPage = page.waitForEvent(
          'framenavigated',
          (frame) => frame !== page.mainFrame() && frame.url() === 'chrome-error://chromewebdata/',
        );

        await page.goto(attacker.url);

        // The sign-in page was served, and the browser refused to show it in the frame.
        expect((await blocked).failure()?.errorText).toBe('net::ERR_BLOCKED_BY_RESPONSE');
        const message = await violation;
        expect(message.type()).toBe('error');
        expect(message.text()).toContain(`Framing '${app.issuer}/' violates`);
        expect(message.text()).toContain(`"frame-ancestors 'none'"`);
        const frame = await errorPage;
        expect(page.frames().filter((f) => f !== page.mainFrame())).toEqual([frame]);
        expect(await frame.getByLabel('Password').count()).toBe(0);
      } finally {
        await attacker.close();
      }
    },
    TEST_TIMEOUT,
  );
});

/** A Content-Security-Policy header as directive name -> source list. */
function parseCsp(header: string | undefined): Map<string, string> {
  expect(header).toBeDefined();
  return new Map(
    header!
      .split(';')
      .map((directive) => directive.trim())
      .filter(Boolean)
      .map((directive) => {
        const [name, ...values] = directive.split(/\s+/);
        return [name.toLowerCase(), values.join(' ')];
      }),
  );
}

/** A throwaway web page on another loopback origin. */
async function serve(html: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
