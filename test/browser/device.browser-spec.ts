import type { Page } from 'playwright-core';
import { heading, TEST_TIMEOUT, useBrowser } from '../support/browser.js';
import { useTestApp } from '../support/e2e.js';
import { discover, oidc } from '../support/oauth-client.js';
import type { TestClient } from '../support/test-app.js';

/**
 * The device flow with a person at a real browser (Chromium) and openid-client as the device:
 * the device polls while the person types the code, checks the device, signs in and decides.
 */
describe('device flow in a browser', () => {
  const browser = useBrowser();
  const setup = useTestApp({ env: { DEVICE_POLL_INTERVAL: '1s' } });
  let tv: TestClient;

  beforeAll(async () => {
    const { app } = setup;
    tv = await app.createClient({ type: 'device', name: 'Living-room TV' });
  });

  async function signIn(page: Page): Promise<void> {
    const { user } = setup;
    expect(await heading(page)).toBe('Sign in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  it(
    'a person types the code, checks the device, signs in and allows: the device gets tokens',
    async () => {
      const { app, user } = setup;
      const config = await discover(app, tv);
      const started = await oidc.initiateDeviceAuthorization(config, {
        scope: 'openid drive.read',
      });
      const polling = oidc.pollDeviceAuthorizationGrant(config, started);

      const page = await browser.newPage();
      await page.goto(started.verification_uri);
      expect(await heading(page)).toBe('Connect a device');
      // As people type it: lower case, no dash.
      await page.getByLabel('Code').fill(started.user_code.replace('-', '').toLowerCase());
      await page.getByRole('button', { name: 'Continue' }).click();

      expect(await heading(page)).toBe('Connect Living-room TV?');
      expect(await page.locator('.user-code').textContent()).toContain(started.user_code);
      expect(await page.getByRole('list').textContent()).toContain('See the files in your Drive');
      await page.getByRole('button', { name: 'Continue' }).click();

      await signIn(page);
      await page
        .getByRole('heading', { name: 'Living-room TV wants to access your account' })
        .waitFor();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('heading', { name: 'Device connected' }).waitFor();

      const tokens = await polling;
      expect(tokens.claims()!.sub).toBe(user.id);
      expect(tokens.scope).toBe('drive.read');
    },
    TEST_TIMEOUT,
  );

  it(
    'the direct link works without JavaScript, fills in the code, and Deny tells the device',
    async () => {
      const { app } = setup;
      const config = await discover(app, tv);
      const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
      // Settled as soon as the device hears the answer, maybe before the page shows its own:
      // handled from the start, so an early rejection is not an unhandled one.
      const polling = oidc.pollDeviceAuthorizationGrant(config, started).then(
        () => ({ error: 'none: the device got tokens' }),
        (error: unknown) => error,
      );

      const page = await browser.newPage({ javaScriptEnabled: false });
      await page.goto(started.verification_uri_complete!);
      expect(await heading(page)).toBe('Connect a device');
      expect(await page.getByLabel('Code').inputValue()).toBe(started.user_code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      await signIn(page);
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.getByText('The device was not connected.').waitFor();

      expect(await polling).toMatchObject({ error: 'access_denied' });
    },
    TEST_TIMEOUT,
  );
});
