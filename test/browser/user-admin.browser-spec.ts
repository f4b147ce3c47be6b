import type { Browser, BrowserContext, Page } from 'playwright-core';
import { UsersService } from '../../src/identity/users.service.js';
import { callApi, userApiTokens } from '../support/api.js';
import { heading, launchBrowser, newPage, TEST_TIMEOUT } from '../support/browser.js';
import { TestApp, type TestUser } from '../support/test-app.js';

/**
 * People's lifecycle in a real browser, without JavaScript: an admin disables and deletes a
 * user; a user deletes their own account.
 */
describe('user administration in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let admin: TestUser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [app, browser] = await Promise.all([TestApp.start(), launchBrowser()]);
    admin = await app.createUser({ admin: true, name: 'Ada Admin' });
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled(contexts.map((context) => context.close()));
    await browser?.close();
    await app?.close();
  }, 30_000);

  async function signIn(page: Page, user: TestUser): Promise<void> {
    expect(await heading(page)).toBe('Sign in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  it(
    'an admin finds a user, disables them (their token dies), then deletes them',
    async () => {
      const user = await app.createUser({ name: 'Victor Victim' });
      const { accessToken } = await userApiTokens(app, user, 'drive.read');
      const page = await newPage(browser, contexts, { javaScriptEnabled: false });
      await page.goto(app.url('/admin/users'));
      await signIn(page, admin);
      expect(await heading(page)).toBe('Users');
      await page.getByLabel('Search by email or name').fill('victor');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: user.email }).click();
      expect(await heading(page)).toBe(user.email);

      await page.getByRole('button', { name: 'Disable…' }).click();
      expect(await heading(page)).toBe(`Disable ${user.email}?`);
      await page.getByRole('button', { name: 'Disable user' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain('was disabled');
      expect((await callApi(app, '/api/drive/files', { token: accessToken })).status).toBe(401);

      await page.getByLabel("Type the user's email to delete them").fill(user.email);
      await page.getByRole('button', { name: 'Delete user' }).click();
      expect(await heading(page)).toBe('Users');
      await expect(page.getByRole('status').textContent()).resolves.toContain('was deleted');
      expect(await app.app.get(UsersService).findById(user.id)).toBeNull();
    },
    TEST_TIMEOUT,
  );

  it(
    'a user deletes their own account with their password',
    async () => {
      const user = await app.createUser({ name: 'Leaving Soon' });
      const page = await newPage(browser, contexts, { javaScriptEnabled: false });
      await page.goto(app.url('/account'));
      await signIn(page, user);
      await page.getByRole('link', { name: 'Delete account' }).click();
      expect(await heading(page)).toBe('Delete account');
      await page.getByLabel('Password').fill('not my password');
      await page.getByRole('button', { name: 'Delete account' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toContain('not correct');
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Delete account' }).click();
      expect(await heading(page)).toBe('Account deleted');
      expect(await app.app.get(UsersService).findById(user.id)).toBeNull();
      await page.goto(app.url('/account'));
      expect(await heading(page)).toBe('Sign in');
    },
    TEST_TIMEOUT,
  );
});
