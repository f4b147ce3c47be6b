import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { heading, TEST_TIMEOUT, useBrowser } from '../support/browser.js';
import { useTestApp } from '../support/e2e.js';
import { authorizationRequest, discover } from '../support/oauth-client.js';
import { Authenticator, awayFromStepEdge } from '../support/second-factor.js';
import type { TestUser } from '../support/test-app.js';

/**
 * An authenticator app set up and used through the pages in Chromium without JavaScript, the
 * codes computed from the secret the page shows, as a phone would; then a recovery code.
 *
 * GATEHOUSE_SCREENSHOTS=<dir> saves each page there at 390 px and 1280 px wide.
 */

const CALLBACK_ORIGIN = 'https://app.example.com';
const SCREENSHOTS = process.env.GATEHOUSE_SCREENSHOTS;

describe('second factors in a browser', () => {
  const browser = useBrowser({ fakeOrigins: [CALLBACK_ORIGIN] });
  const setup = useTestApp({ user: { admin: true } });

  const newPage = () => browser.newPage({ javaScriptEnabled: false });

  async function screenshot(page: Page, name: string): Promise<void> {
    if (!SCREENSHOTS) {
      return;
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
    }
  }

  async function signIn(page: Page, user: TestUser): Promise<void> {
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Starts an authorization for a new web app and signs in with the password. */
  async function authorizeWithPassword(page: Page, user: TestUser): Promise<void> {
    const { app } = setup;
    const client = await app.createClient({ type: 'web' });
    const request = await authorizationRequest(await discover(app, client), client);
    await page.goto(request.url.href);
    await signIn(page, user);
  }

  it(
    'sets up an app, signs in with a code, then with a recovery code',
    async () => {
      const { app, user } = setup;
      const page = await newPage();
      await page.goto(`${app.issuer}/account/security`);
      await signIn(page, user);
      expect(await heading(page)).toBe('Security');
      await screenshot(page, 'account-security');
      await page.getByRole('link', { name: 'Set up an authenticator app' }).click();
      expect(await heading(page)).toBe('Set up an authenticator app');
      await expect(
        page.getByRole('img', { name: /QR code for your authenticator app/ }).isVisible(),
      ).resolves.toBe(true);
      await screenshot(page, 'account-authenticator');
      const phone = new Authenticator(
        ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, ''),
      );
      await awayFromStepEdge();
      await page.getByLabel('Code').fill(phone.code(-1));
      await page.getByRole('button', { name: 'Turn on' }).click();
      expect(await heading(page)).toBe('Your recovery codes');
      await screenshot(page, 'account-recovery-codes');
      const codes = await page.locator('#recovery-codes code').allTextContents();
      expect(codes).toHaveLength(10);

      const signingIn = await newPage();
      await authorizeWithPassword(signingIn, user);
      expect(await heading(signingIn)).toBe('Confirm it is you');
      await screenshot(signingIn, 'second-factor');
      await awayFromStepEdge();
      await signingIn.getByLabel('Code').fill(phone.code());
      await signingIn.getByRole('button', { name: 'Verify' }).click();
      expect(await heading(signingIn)).toMatch(/wants to access your account/);

      const lostPhone = await newPage();
      await authorizeWithPassword(lostPhone, user);
      await lostPhone.getByRole('link', { name: 'Use a recovery code' }).click();
      await screenshot(lostPhone, 'second-factor-recovery');
      await lostPhone.getByLabel('Recovery code').fill(codes[0]);
      await lostPhone.getByRole('button', { name: 'Verify' }).click();
      expect(await heading(lostPhone)).toMatch(/wants to access your account/);

      await page.goto(`${app.issuer}/admin/users/${user.id}`);
      expect(await page.locator('#second-factors').textContent()).toBe(
        'authenticator app, 9 recovery codes left',
      );
      await screenshot(page, 'admin-user-second-factors');
    },
    TEST_TIMEOUT * 2,
  );

  it(
    'an app that requires a second factor sends a person without one to set one up',
    async () => {
      const { app } = setup;
      const someone = await app.createUser();
      const strict = await app.createClient({ type: 'web', requireMfa: true });
      const request = await authorizationRequest(await discover(app, strict), strict);
      const page = await newPage();
      await page.goto(request.url.href);
      await signIn(page, someone);
      expect(await heading(page)).toBe('Set up a second factor');
      await screenshot(page, 'second-factor-setup');
      await page.getByRole('link', { name: 'Go to second factors' }).click();
      expect(await heading(page)).toBe('Security');
    },
    TEST_TIMEOUT,
  );
});
