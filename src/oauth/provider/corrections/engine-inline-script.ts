import type { EngineMiddleware } from '../engine.js';

const CSP = 'Content-Security-Policy';
const MARK = "script-src 'none'";

/**
 * The engine answers a few requests with a page whose inline script posts a form for the
 * browser: a `response_mode=form_post` authorization response (OAuth 2.0 Form Post Response
 * Mode §2), and the logout it starts itself when a sign-in changes the account of the
 * session (OpenID Connect RP-Initiated Logout §2). Our CSP (`default-src 'none'`,
 * common/security-headers.ts) blocks that script: a blank page. The engine adds its script's
 * hash to a `script-src` it finds in the response's CSP (its helpers/script_src_sha.js), so
 * every engine response starts with ours plus `script-src 'none'`: a page with the engine's
 * script leaves with `script-src 'sha256-…'` (that one script, nothing else), any other with
 * ours as it was. Register it inside securityHeadersOnEnginePages, which keeps a CSP it finds.
 */
export function engineInlineScriptByHash(csp: string): EngineMiddleware {
  return async (ctx, next) => {
    ctx.set(CSP, `${csp};${MARK}`);
    await next();
    const sent = ctx.response.get(CSP);
    if (typeof sent !== 'string') {
      return;
    }
    // A correction may have replaced the engine's page by ours (user-code-prefill.ts): then its
    // script, and the hash with it, are gone.
    const script = typeof ctx.body === 'string' && ctx.body.includes('<script>');
    if (script && sent.includes(`${MARK} 'sha256-`)) {
      ctx.set(CSP, sent.replace(`${MARK} `, 'script-src '));
    } else if (sent.startsWith(`${csp};${MARK}`)) {
      ctx.set(CSP, csp);
    }
  };
}
