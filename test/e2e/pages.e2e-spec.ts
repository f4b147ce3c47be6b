import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callApi } from '../support/api.js';
import { useTestApp } from '../support/e2e.js';
import { signInAt } from '../support/oauth-client.js';
import { UserAgent } from '../support/user-agent.js';

/** The home page, the branding on every page and in the OpenAPI document, the error pages. */
describe('home page and branding', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-pages-'));
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"/>';
  writeFileSync(join(dataDir, 'logo.svg'), svg);
  const setup = useTestApp({
    env: {
      DATA_DIR: dataDir,
      BRAND_NAME: 'Example ID',
      BRAND_LOGO_FILE: 'logo.svg',
      BRAND_ACCENT: '#ffcc00',
      SUPPORT_EMAIL: 'help@example.com',
      TERMS_URL: 'https://example.com/terms',
      PRIVACY_URL: 'https://example.com/privacy',
    },
    user: { admin: true, name: 'Ada Admin' },
  });

  it('signed out, / shows the product name and Sign in', async () => {
    const { app } = setup;
    const home = await new UserAgent(app.issuer).get('/');
    expect(home.status).toBe(200);
    expect(home.headers.get('cache-control')).toBe('no-store');
    expect(home.body).toContain('<title>Welcome · Example ID</title>');
    expect(home.body).toContain('<h1 id="page-title">Example ID</h1>');
    expect(home.body).toContain('<a class="button" href="/account">Sign in</a>');
    expect(home.body).not.toContain('/admin/');
  });

  it('signed in, / links to the account pages, and to the admin pages for an admin', async () => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    await signInAt(ua, user, '/account');
    const home = await ua.get('/');
    expect(home.body).toContain('<h1 id="page-title">Welcome, Ada Admin</h1>');
    for (const path of ['/account/apps', '/account/sessions', '/account/tokens', '/admin/apps']) {
      expect([path, home.body.includes(`href="${path}"`)]).toEqual([path, true]);
    }
    expect(home.body).toContain('/oauth/logout?client_id=');
  });

  it('every page: the name and logo in the header, help, terms and privacy in the footer', async () => {
    const { app } = setup;
    const page = (await new UserAgent(app.issuer).get('/password/forgot')).body;
    expect(page).toContain(
      '<a class="brand" href="/"><img src="/assets/brand-logo" alt="" height="32"><span>Example ID</span></a>',
    );
    expect(page).toContain('<a href="mailto:help@example.com">Help: help@example.com</a>');
    expect(page).toContain('<a href="https://example.com/terms">Terms</a>');
    expect(page).toContain('<a href="https://example.com/privacy">Privacy</a>');
    expect(page).toContain('<link rel="stylesheet" href="/assets/brand.css">');
  });

  it('serves the accent as CSS variables, with a readable text colour, and the logo file', async () => {
    const { app } = setup;
    const css = await fetch(app.url('/assets/brand.css'));
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toBe(':root {\n  --accent: #ffcc00;\n  --accent-text: #000000;\n}\n');
    const logo = await fetch(app.url('/assets/brand-logo'));
    expect(logo.status).toBe(200);
    expect(logo.headers.get('content-type')).toBe('image/svg+xml');
    expect(await logo.text()).toBe(svg);
    const script = await fetch(app.url('/assets/auto-submit.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(app.url('/assets/nothing.css'))).status).toBe(404);
  });

  it('the OpenAPI document carries the name, the contact and the terms', async () => {
    const { app } = setup;
    const doc = (await callApi(app, '/api/docs/openapi.json')).body as {
      info: { title: string; contact: unknown; termsOfService: string; description: string };
    };
    expect(doc.info.title).toBe('Example ID API');
    expect(doc.info.contact).toEqual({ name: 'Example ID', url: '', email: 'help@example.com' });
    expect(doc.info.termsOfService).toBe('https://example.com/terms');
    expect(doc.info.description).toContain('Privacy: https://example.com/privacy');
  });

  it('an unknown page is "Page not found" with a way home; the help contact is named', async () => {
    const { app } = setup;
    const missing = await new UserAgent(app.issuer).get('/no/such/page');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('<h1 id="page-title">Page not found</h1>');
    expect(missing.body).toContain('<a href="/">Go to the home page</a>');
    expect(missing.body).toContain('<a href="mailto:help@example.com">help@example.com</a>');
    // The framework's words are for developers only, under "Details".
    expect(missing.body).toMatch(/<details class="technical">[\s\S]*Cannot GET \/no\/such\/page/);
  });
});
