import {
  afterEngine,
  recordingViews,
  startEngine,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { prefillUserCode } from './user-code-prefill.js';

describe('prefillUserCode, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  const { views, pages } = recordingViews();
  beforeAll(async () => {
    under = await startEngine({
      corrections: [afterEngine((ctx) => ctx.oidc && prefillUserCode(ctx, views))],
    });
  });
  afterAll(() => under.close());

  it('the engine answers verification_uri_complete 200 with a page that submits the code by script', async () => {
    await under.request(`${PROVIDER_ROUTES.code_verification}?user_code=BCDF-GHJK`);
    const engine = under.lastAnswer();
    expect(engine?.status).toBe(200);
    expect(engine?.body).toContain('<script>');
    expect(engine?.body).toContain('document.forms[0].submit()');
    expect(engine?.body).toContain('name="user_code" value="BCDF-GHJK"');
    expect(engine?.body).toMatch(/name="xsrf" value="[^"]+"/);
  });

  it('the person gets the code page with the code filled in and the same form secret', async () => {
    const response = await under.request(
      `${PROVIDER_ROUTES.code_verification}?user_code=BCDF-GHJK`,
    );
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(String(under.lastAnswer()?.body))?.[1];
    expect(response.status).toBe(200);
    expect(response.text).toBe('<page device>');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(pages.at(-1)?.data).toEqual({
      action: `${under.url}${PROVIDER_ROUTES.code_verification}`,
      xsrf,
      userCode: 'BCDF-GHJK',
      status: 200,
    });
  });

  it('without a code, the engine shows its code page itself', async () => {
    const before = pages.length;
    const response = await under.request(PROVIDER_ROUTES.code_verification);
    expect(response.status).toBe(200);
    expect(response.text).toContain('<form');
    expect(pages.length).toBe(before);
  });
});
