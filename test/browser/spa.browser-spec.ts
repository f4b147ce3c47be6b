import { heading, TEST_TIMEOUT, useBrowser } from '../support/browser.js';
import { useTestApp } from '../support/e2e.js';
import type { TestClient } from '../support/test-app.js';

/**
 * examples/spa in Chromium: the example single-page app signs in (code + PKCE, in the
 * browser), calls the Drive API, refreshes its tokens and signs out, under its own strict CSP.
 */
describe('the example single-page app in a browser', () => {
  const browser = useBrowser();
  const setup = useTestApp();
  let spa: TestClient;

  beforeAll(async () => {
    const { app } = setup;
    spa = await app.createClient({
      type: 'spa',
      name: 'Example SPA',
      redirectUris: [`${app.issuer}/examples/spa`],
    });
  });

  it(
    'signs in, lists the Drive, refreshes, and signs out',
    async () => {
      const { app, user } = setup;
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') {
          problems.push(`${message.text()} ${message.location().url}`);
        }
      });
      page.on('response', (response) => {
        if (response.status() >= 400) {
          problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
        }
      });
      await page.goto(app.url(`/examples/spa?client_id=${spa.clientId}`));
      expect(await heading(page)).toBe('My Drive');
      await page.getByText('Not signed in.').waitFor();

      await page.getByRole('button', { name: 'Sign in' }).click();
      expect(await heading(page)).toBe('Sign in');
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('button', { name: 'Allow' }).click();

      await page.getByText(`Signed in as ${user.id}`).waitFor();
      // No code or state left in the address bar.
      expect(page.url()).toBe(app.url('/examples/spa'));

      await page.getByRole('button', { name: 'List my files' }).click();
      await page.getByText('0 file(s) in your Drive.').waitFor();
      await page.getByRole('button', { name: 'Refresh tokens' }).click();
      await page.getByText('Tokens refreshed: new access token, new refresh token.').waitFor();
      await page.getByRole('button', { name: 'List my files' }).click();
      await page.getByText('0 file(s) in your Drive.').waitFor();

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByText('Not signed in.').waitFor();
      expect(problems).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
