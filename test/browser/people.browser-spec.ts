import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { heading, launchBrowser, newPage as openPage, TEST_TIMEOUT } from '../support/browser.js';
import { linkIn, MailServer } from '../support/mail-server.js';
import { authorizationRequest, discover } from '../support/oauth-client.js';
import { TestApp, type TestClient } from '../support/test-app.js';

/**
 * Sign-up, confirmation and password reset through the pages in Chromium, without JavaScript,
 * with the mail read from a real loopback SMTP server.
 *
 * GATEHOUSE_SCREENSHOTS=<dir> saves each page there at 390 px and 1280 px wide.
 */

const CALLBACK_ORIGIN = 'https://app.example.com';
const SCREENSHOTS = process.env.GATEHOUSE_SCREENSHOTS;
const PASSWORD = 'marble falcon drizzle teapot';

describe('sign-up, confirmation and reset in a browser', () => {
  let app: TestApp;
  let mail: MailServer;
  let browser: Browser;
  let client: TestClient;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    mail = await MailServer.start();
    [app, browser] = await Promise.all([
      TestApp.start({ SIGNUP: 'open', SMTP_URL: mail.url }),
      launchBrowser(),
    ]);
    client = await app.createClient({ type: 'web' });
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled(contexts.map((context) => context.close()));
    await browser?.close();
    await app?.close();
    await mail?.close();
  }, 30_000);

  function newPage(): Promise<Page> {
    return openPage(browser, contexts, {
      javaScriptEnabled: false,
      fakeOrigins: [CALLBACK_ORIGIN],
    });
  }

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

  it(
    'creates an account from the sign-in page, confirms it from the mail, and signs in to the app',
    async () => {
      const page = await newPage();
      const request = await authorizationRequest(await discover(app, client), client);
      await page.goto(request.url.href);
      expect(await heading(page)).toBe('Sign in');
      await screenshot(page, 'sign-in');
      await page.getByRole('link', { name: 'Create account' }).click();
      expect(await heading(page)).toBe('Create account');

      // A weak password first: the reason, and what was typed kept.
      await page.getByLabel('Name').fill('Bea Browser');
      await page.getByLabel('Email').fill('bea@example.com');
      await page.getByLabel('Password').fill('password');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toContain('too easy to guess');
      expect(await page.getByLabel('Email').inputValue()).toBe('bea@example.com');
      await screenshot(page, 'signup-refused');

      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      expect(await heading(page)).toBe('Check your email');
      await screenshot(page, 'check-email');

      // Signing in before confirming stops at "Confirm your email address".
      await page.goto(request.url.href);
      await page.getByLabel('Email').fill('bea@example.com');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      expect(await heading(page)).toBe('Confirm your email address');
      await screenshot(page, 'verify-required');

      const link = linkIn(await mail.waitFor('bea@example.com', /Confirm your email/), app.issuer);
      const confirm = await newPage();
      await confirm.goto(link);
      expect(await heading(confirm)).toBe('Confirm your email address');
      await screenshot(confirm, 'email-confirm');
      await confirm.getByRole('button', { name: 'Confirm email address' }).click();
      expect(await heading(confirm)).toBe('Email address confirmed');
      await screenshot(confirm, 'email-confirmed');

      // Back on the first tab: "Continue" goes on to consent.
      await page.getByRole('link', { name: 'Continue' }).click();
      expect(await heading(page)).toContain('wants to access your account');
      const callback = page.waitForRequest((r) => r.url().startsWith(`${client.redirectUri}?`));
      await page.getByRole('button', { name: 'Allow' }).click();
      expect(new URL((await callback).url()).searchParams.get('code')).toBeTruthy();
    },
    TEST_TIMEOUT,
  );

  it(
    'resets a forgotten password from the sign-in page',
    async () => {
      const user = await app.createUser({ email: 'ray@example.com', name: 'Ray Reset' });
      const page = await newPage();
      await page.goto(app.url('/account'));
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      expect(await heading(page)).toBe('Forgot your password?');
      await screenshot(page, 'password-forgot');
      await page.getByLabel('Email').fill(user.email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      expect(await heading(page)).toBe('Check your email');

      const link = linkIn(await mail.waitFor(user.email, /Reset your/), app.issuer);
      await page.goto(link);
      expect(await heading(page)).toBe('Choose a new password');
      await page.getByLabel('New password', { exact: true }).fill('12345678');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByRole('alert').waitFor();
      await screenshot(page, 'password-reset-refused');
      await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Set password' }).click();
      expect(await heading(page)).toBe('Password changed');
      await screenshot(page, 'password-changed');

      await page.goto(link);
      expect(await heading(page)).toBe('This link was already used');
      await screenshot(page, 'link-refused');

      await page.goto(app.url('/account'));
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      expect(await heading(page)).toBe('Your account');
      await screenshot(page, 'account');
    },
    TEST_TIMEOUT,
  );

  it(
    'an administrator invites someone from /admin/users; they accept in the browser and sign in',
    async () => {
      const admin = await app.createUser({ email: 'ivan@example.com', admin: true });
      const page = await newPage();
      await page.goto(app.url('/admin/users'));
      await page.getByLabel('Email').fill(admin.email);
      await page.getByLabel('Password').fill(admin.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      expect(await heading(page)).toBe('Users');
      await page.getByText('Invite someone').click();
      await page.getByLabel('Email', { exact: true }).fill('ines@example.com');
      await page.getByLabel('Name (optional)').fill('Ines Invited');
      await page.getByRole('button', { name: 'Send invitation' }).click();
      expect(await page.getByRole('status').textContent()).toContain(
        'An invitation was sent to ines@example.com',
      );
      await screenshot(page, 'admin-invited');

      const link = linkIn(await mail.waitFor('ines@example.com', /invited/), app.issuer);
      const invitee = await newPage();
      await invitee.goto(link);
      expect(await heading(invitee)).toBe('Accept invitation');
      expect(await invitee.getByLabel('Name').inputValue()).toBe('Ines Invited');
      await invitee.getByLabel('Password').fill(PASSWORD);
      await invitee.getByRole('button', { name: 'Accept invitation' }).click();
      await screenshot(invitee, 'invitation-accepted');

      await invitee.goto(app.url('/account'));
      if ((await heading(invitee)) === 'Sign in') {
        await invitee.getByLabel('Email').fill('ines@example.com');
        await invitee.getByLabel('Password').fill(PASSWORD);
        await invitee.getByRole('button', { name: 'Sign in' }).click();
      }
      expect(await heading(invitee)).toBe('Your account');
      expect(await invitee.content()).toContain('ines@example.com');
    },
    TEST_TIMEOUT,
  );
});
