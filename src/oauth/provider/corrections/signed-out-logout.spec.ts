import {
  cookiesOf,
  recordingViews,
  startEngine,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import { securityHeaders } from '../../../common/security-headers.js';
import type { ClientMetadata } from '../engine.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { securityHeadersOnEnginePages } from './engine-page-headers.js';
import { AUTO_SUBMIT_SCRIPT, signedOutLogoutPage } from './signed-out-logout.js';

const NOTES: ClientMetadata = {
  client_id: 'notes',
  client_name: 'Notes',
  client_secret: 'notes-secret',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  redirect_uris: ['https://notes.example/cb'],
  post_logout_redirect_uris: ['https://notes.example/bye'],
};

describe('signedOutLogoutPage, on the installed oidc-provider', () => {
  const headers = securityHeaders();
  const csp = headers['Content-Security-Policy'];
  const { views, pages } = recordingViews();
  let under: EngineUnderTest;
  beforeAll(async () => {
    under = await startEngine({
      configuration: { clients: [NOTES], features: { rpInitiatedLogout: { enabled: true } } },
      corrections: [securityHeadersOnEnginePages(headers), signedOutLogoutPage({ views, csp })],
    });
  });
  afterAll(() => under.close());

  const appLogout = `${PROVIDER_ROUTES.end_session}?client_id=notes&post_logout_redirect_uri=${encodeURIComponent('https://notes.example/bye')}&state=s1`;

  it('without a session the engine answers with an inline script, which our CSP blocks', async () => {
    const response = await under.request(PROVIDER_ROUTES.end_session);
    expect(response.status).toBe(200);
    const engine = under.lastAnswer()!;
    expect(String(engine.body)).toContain('<script>');
    expect(String(engine.body)).toContain('document.forms[0].submit()');
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
  });

  it('corrected: our page instead, with no script when there is nowhere to go back to', async () => {
    const response = await under.request(PROVIDER_ROUTES.end_session);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(csp);
    expect(response.text).toBe('<page logout-signed-out>');
    expect(pages.at(-1)?.data).toMatchObject({ returnsToApp: false, script: undefined });
  });

  it('with an app to go back to: its confirmation form, and only our own script may run', async () => {
    const response = await under.request(appLogout);
    expect(response.headers.get('content-security-policy')).toBe(`${csp}; script-src 'self'`);
    const data = pages.at(-1)?.data as { xsrf: string; action: string };
    expect(pages.at(-1)?.data).toMatchObject({
      clientName: 'Notes',
      returnsToApp: true,
      script: AUTO_SUBMIT_SCRIPT,
      action: `${under.url}${PROVIDER_ROUTES.end_session}/confirm`,
    });
    // Posting the form (what the script or the button does) sends the browser to the app.
    const confirmed = await under.request(`${PROVIDER_ROUTES.end_session}/confirm`, {
      headers: { cookie: cookiesOf(response) },
      form: { xsrf: data.xsrf, logout: 'yes' },
    });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe('https://notes.example/bye?state=s1');
  });

  it('a post_logout_redirect_uri without a client is dropped by the engine: no way back, no script', async () => {
    await under.request(
      `${PROVIDER_ROUTES.end_session}?post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`,
    );
    expect(pages.at(-1)?.data).toMatchObject({ returnsToApp: false, clientName: undefined });
  });
});
