import { startEngine, type EngineUnderTest } from '../../../../test/support/engine-under-test.js';
import { securityHeaders } from '../../../common/security-headers.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { securityHeadersOnEnginePages } from './engine-page-headers.js';

describe('securityHeadersOnEnginePages, on the installed oidc-provider', () => {
  const headers = securityHeaders();
  let bare: EngineUnderTest;
  let corrected: EngineUnderTest;
  beforeAll(async () => {
    bare = await startEngine();
    corrected = await startEngine({
      corrections: [securityHeadersOnEnginePages(headers)],
      configuration: {
        // An error page that sets one of the headers itself.
        renderError(ctx, out) {
          ctx.set('Referrer-Policy', 'same-origin');
          ctx.type = 'html';
          ctx.body = `<p>${out.error}</p>`;
        },
      },
    });
  });
  afterAll(async () => {
    await bare.close();
    await corrected.close();
  });

  // The engine's own error page: an authorization request it cannot send back.
  const errorPage = `${PROVIDER_ROUTES.authorization}?client_id=nobody&response_type=code&scope=openid`;

  it('the engine sends its pages without them', async () => {
    const response = await bare.request(errorPage);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBeNull();
    expect(response.headers.get('x-frame-options')).toBeNull();
  });

  it('corrected, its pages carry every one of ours', async () => {
    const response = await corrected.request(errorPage);
    expect(response.status).toBe(400);
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() !== 'referrer-policy') {
        expect([name, response.headers.get(name)]).toEqual([name, value]);
      }
    }
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('a header the page set stays its own', async () => {
    expect(headers['Referrer-Policy']).toBe('no-referrer');
    const response = await corrected.request(errorPage);
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
  });
});
