import { createHash } from 'node:crypto';
import { startEngine, type EngineUnderTest } from '../../../../test/support/engine-under-test.js';
import { securityHeaders } from '../../../common/security-headers.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { engineInlineScriptByHash } from './engine-inline-script.js';
import { securityHeadersOnEnginePages } from './engine-page-headers.js';

describe('engineInlineScriptByHash, on the installed oidc-provider', () => {
  const headers = securityHeaders();
  const csp = headers['Content-Security-Policy'];
  let bare: EngineUnderTest;
  let corrected: EngineUnderTest;
  let replaced: EngineUnderTest;
  beforeAll(async () => {
    const configuration = { features: { rpInitiatedLogout: { enabled: true } } };
    bare = await startEngine({
      configuration,
      corrections: [securityHeadersOnEnginePages(headers)],
    });
    corrected = await startEngine({
      configuration,
      corrections: [securityHeadersOnEnginePages(headers), engineInlineScriptByHash(csp)],
    });
    // A correction inside that answers with a page of ours instead (as user-code-prefill.ts).
    replaced = await startEngine({
      configuration,
      corrections: [
        securityHeadersOnEnginePages(headers),
        engineInlineScriptByHash(csp),
        async (ctx, next) => {
          await next();
          ctx.body = '<p>ours</p>';
        },
      ],
    });
  });
  afterAll(async () => {
    await bare.close();
    await corrected.close();
    await replaced.close();
  });

  // A logout without a session: the engine's self-submitting form (as after a change of account).
  const inlineScriptOf = (html: string) => /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];

  it('the engine posts its form with an inline script, which our CSP alone blocks', async () => {
    const response = await bare.request(PROVIDER_ROUTES.end_session);
    expect(inlineScriptOf(response.text)).toContain('document.forms[0].submit()');
    expect(response.headers.get('content-security-policy')).toBe(csp);
    expect(csp).not.toContain('script-src');
  });

  it('corrected, the CSP allows that one script by its hash, and nothing else', async () => {
    const response = await corrected.request(PROVIDER_ROUTES.end_session);
    const script = inlineScriptOf(response.text)!;
    const hash = createHash('sha256').update(script).digest('base64');
    const sent = response.headers.get('content-security-policy')!;
    expect(sent).toContain(`script-src 'sha256-${hash}'`);
    expect(sent).not.toContain("'none' 'sha256-");
    expect(sent).toContain("default-src 'none'");
    expect(sent).toContain("frame-ancestors 'none'");
  });

  it("a page of ours in place of the engine's: no hash of a script that is not there", async () => {
    const response = await replaced.request(PROVIDER_ROUTES.end_session);
    expect(response.text).toBe('<p>ours</p>');
    expect(response.headers.get('content-security-policy')).toBe(csp);
  });

  it('any other engine page keeps our CSP as it is', async () => {
    const response = await corrected.request(
      `${PROVIDER_ROUTES.authorization}?client_id=nobody&response_type=code&scope=openid`,
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('content-security-policy')).toBe(csp);
  });
});
