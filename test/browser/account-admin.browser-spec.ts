import type { Page } from 'playwright-core';
import { AuditLog } from '../../src/audit/audit-log.service.js';
import { callApi, postForm, userApiTokens } from '../support/api.js';
import { heading, TEST_TIMEOUT, useBrowser } from '../support/browser.js';
import { useTestApp } from '../support/e2e.js';
import { authorizationRequest, discover, oidc } from '../support/oauth-client.js';
import type { TestClient, TestUser } from '../support/test-app.js';

/**
 * The account and administration pages in a real browser: an admin registers every kind of
 * application and manages a secret; a user sees and revokes the apps they allowed; the role and
 * CSRF rules hold; the audit trail shows what happened.
 */
describe('account and administration pages in a browser', () => {
  const CALLBACK_ORIGINS = ['https://notes.example.com', 'https://photos.example.com'];
  const browser = useBrowser({ fakeOrigins: CALLBACK_ORIGINS });
  const setup = useTestApp({ user: { admin: true, name: 'Ada Admin' } });

  async function signIn(page: Page, user: TestUser): Promise<void> {
    expect(await heading(page)).toBe('Sign in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async function clientCredentials(clientId: string, secret: string): Promise<number> {
    const { app } = setup;
    const client: TestClient = { clientId, clientSecret: secret, redirectUri: '' };
    return (await postForm(app, '/oauth/token', { grant_type: 'client_credentials' }, client))
      .status;
  }

  /** Registers an application through the form; returns its client id and the secret shown. */
  async function register(
    page: Page,
    fields: { name: string; type: string; redirectUris?: string; scopes?: string[] },
  ): Promise<{ clientId: string; secret?: string }> {
    const { app } = setup;
    await page.goto(app.url('/admin/apps'));
    await page.getByRole('link', { name: 'Register an application' }).click();
    expect(await heading(page)).toBe('Register an application');
    await page.getByLabel('Name', { exact: true }).fill(fields.name);
    await page.getByLabel('Type').selectOption(fields.type);
    if (fields.redirectUris) {
      await page.getByLabel('Redirect URIs', { exact: true }).fill(fields.redirectUris);
    }
    for (const scope of fields.scopes ?? []) {
      await page
        .getByRole('checkbox', { name: new RegExp(`^${scope.replace('.', '\\.')} `) })
        .check();
    }
    await page.getByRole('button', { name: 'Register' }).click();
    expect(await heading(page)).toBe(fields.name);
    const clientId = (await page.locator('#client-id').textContent())!;
    const secretField = page.getByLabel('Client secret');
    const secret = (await secretField.count()) ? await secretField.inputValue() : undefined;
    return { clientId, secret };
  }

  it(
    'an admin registers every kind of app, sees a secret once, rotates it with a grace period and deletes the app',
    async () => {
      const { app, user: admin } = setup;
      const page = await browser.newPage();
      await page.goto(app.url('/admin/apps'));
      await signIn(page, admin);
      expect(await heading(page)).toBe('Applications');

      const web = await register(page, {
        name: 'Web app',
        type: 'web',
        redirectUris: 'https://notes.example.com/cb',
      });
      expect(web.secret).toMatch(/^[\w-]{43}$/);
      await page.getByText('Copy the client secret now: it is not shown again.').waitFor();
      for (const [type, redirectUris] of [
        ['spa', 'https://photos.example.com/cb'],
        ['native', 'com.example.notes:/callback\nhttp://127.0.0.1/callback'],
        ['device', ''],
      ]) {
        expect(
          (await register(page, { name: `A ${type} app`, type, redirectUris })).secret,
        ).toBeUndefined();
      }
      const service = await register(page, {
        name: 'Nightly job',
        type: 'service',
        scopes: ['drive.read'],
      });
      expect(await clientCredentials(service.clientId, service.secret!)).toBe(200);

      // Seen once: the app's page, visited again, has no secret.
      await page.goto(app.url(`/admin/apps/${service.clientId}`));
      expect(await page.getByLabel('Client secret').count()).toBe(0);
      expect(await page.content()).not.toContain(service.secret);

      // Rotation: both work through the grace period; revoking the previous one ends it.
      await page.getByLabel('Grace period for the current secret').fill('1h');
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      const rotated = await page.getByLabel('Client secret').inputValue();
      expect(rotated).not.toBe(service.secret);
      expect(await clientCredentials(service.clientId, service.secret!)).toBe(200);
      expect(await clientCredentials(service.clientId, rotated)).toBe(200);
      await page.getByRole('button', { name: 'Revoke previous secret' }).click();
      await page.getByText('The previous secret no longer works.').waitFor();
      expect(await clientCredentials(service.clientId, service.secret!)).toBe(401);
      expect(await clientCredentials(service.clientId, rotated)).toBe(200);

      // A bad registration says why and keeps the form.
      await page.goto(app.url('/admin/apps/new'));
      await page.getByLabel('Name', { exact: true }).fill('Sloppy');
      await page.getByLabel('Redirect URIs', { exact: true }).fill('http://sloppy.example.com/cb');
      await page.getByRole('button', { name: 'Register' }).click();
      await page.getByRole('alert').filter({ hasText: 'must use https' }).waitFor();
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Sloppy');

      // Delete: the name must be typed.
      await page.goto(app.url(`/admin/apps/${service.clientId}`));
      await page.getByLabel(/Type the application's name to delete it/).fill('Nightly job');
      await page.getByRole('button', { name: 'Delete application' }).click();
      await page
        .getByText('Nightly job was deleted; its grants and tokens were revoked.')
        .waitFor();
      expect(await clientCredentials(service.clientId, rotated)).toBe(401);

      // The audit trail shows it, filtered.
      await page.goto(app.url('/admin/audit'));
      await page.getByLabel('Event').selectOption('client.deleted');
      await page.getByRole('button', { name: 'Filter' }).click();
      const rows = page.locator('tbody tr');
      await rows.first().waitFor();
      expect(await rows.count()).toBe(1);
      expect(await rows.first().textContent()).toContain(service.clientId);
      expect(await rows.first().textContent()).toContain(admin.id);
    },
    TEST_TIMEOUT,
  );

  it(
    'a user sees the two apps they allowed with last use, revokes one, and is asked consent again',
    async () => {
      const { app } = setup;
      const user = await app.createUser();
      const notes = await app.createClient({
        type: 'web',
        name: 'Notes',
        redirectUris: ['https://notes.example.com/cb'],
      });
      const photos = await app.createClient({
        type: 'web',
        name: 'Photos',
        redirectUris: ['https://photos.example.com/cb'],
      });
      const page = await browser.newPage();

      /** The code flow in this browser: sign in if asked, Allow if asked; the app redeems. */
      async function authorize(client: TestClient) {
        const config = await discover(app, client);
        const request = await authorizationRequest(config, client, {
          scope: 'openid offline_access drive.read',
          prompt: 'consent',
        });
        const callback = page
          .waitForRequest((r) => r.url().startsWith(`${client.redirectUri}?`))
          .then((r) => new URL(r.url()));
        await page.goto(request.url.href);
        if ((await heading(page)) === 'Sign in') {
          await signIn(page, user);
        }
        await page.getByRole('button', { name: 'Allow' }).click();
        // Let the browser finish at the app's (faked) callback before it goes elsewhere.
        await page.waitForURL((url) => url.href.startsWith(`${client.redirectUri}?`));
        const tokens = await oidc.authorizationCodeGrant(config, await callback, {
          pkceCodeVerifier: request.verifier,
          expectedState: request.state,
          expectedNonce: request.nonce,
        });
        return { config, tokens };
      }

      const kept = await authorize(notes);
      const doomed = await authorize(photos);

      // Same browser, same sign-in: no login page for the account pages.
      await page.goto(app.url('/account/apps'));
      expect(await heading(page)).toBe('Connected apps');
      for (const name of ['Notes', 'Photos']) {
        const section = page.getByRole('region', { name });
        await expect(section.getByText(/Last used .+ UTC/).textContent()).resolves.toBeTruthy();
        expect(await section.textContent()).toContain('See the files in your Drive');
      }

      await page.getByRole('button', { name: 'Revoke access for Photos' }).click();
      await page.getByText('Photos can no longer use your account.').waitFor();
      expect(await page.getByRole('region', { name: 'Photos' }).count()).toBe(0);
      expect(await page.getByRole('region', { name: 'Notes' }).count()).toBe(1);

      expect(
        (await callApi(app, '/api/drive/files', { token: doomed.tokens.access_token })).status,
      ).toBe(401);
      await expect(
        oidc.refreshTokenGrant(doomed.config, doomed.tokens.refresh_token!),
      ).rejects.toMatchObject({ error: 'invalid_grant' });
      expect(
        (await callApi(app, '/api/drive/files', { token: kept.tokens.access_token })).status,
      ).toBe(200);

      // Asking again shows the consent page.
      const request = await authorizationRequest(doomed.config, photos, {
        scope: 'openid drive.read',
      });
      await page.goto(request.url.href);
      expect(await heading(page)).toBe('Photos wants to access your account');

      const events = (await app.app.get(AuditLog).list({ limit: 50, clientId: photos.clientId }))
        .events;
      expect(events.map((e) => e.event)).toContain('grant.revoked');
    },
    TEST_TIMEOUT,
  );

  it(
    'refuses a non-admin the admin pages, and a form posted without its CSRF token',
    async () => {
      const { app } = setup;
      const user = await app.createUser();
      const page = await browser.newPage();
      await page.goto(app.url('/admin/apps'));
      await signIn(page, user);
      await page.getByText('Only administrators may use these pages.').waitFor();
      expect(await heading(page)).toBe('Access denied');

      // A cross-site post carries no token: strip it from the real form and submit.
      const client = await app.createClient({
        type: 'web',
        name: 'Sticky',
        redirectUris: ['https://notes.example.com/cb'],
      });
      // Allowed over HTTP, not in this browser.
      await userApiTokens(app, user, 'drive.read', client);
      await page.goto(app.url('/account/apps'));
      await page.evaluate(
        `document.querySelectorAll('input[name="_csrf"]').forEach((input) => input.remove())`,
      );
      await page.getByRole('button', { name: 'Revoke access for Sticky' }).click();
      await page.getByText('This form has expired or was not sent by Gatehouse.').waitFor();
      await page.goto(app.url('/account/apps'));
      expect(await page.getByRole('region', { name: 'Sticky' }).count()).toBe(1);
    },
    TEST_TIMEOUT,
  );
});
