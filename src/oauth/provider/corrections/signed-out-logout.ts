import type { ViewsService } from '../../../common/views.service.js';
import type { EngineMiddleware, KoaContextWithOIDC } from '../engine.js';
import { ACCOUNT_CLIENT_ID } from '../first-party-clients.js';

/** The script the page loads to continue on its own (public/auto-submit.js). */
export const AUTO_SUBMIT_SCRIPT = 'auto-submit.js';

/**
 * OpenID Connect RP-Initiated Logout 1.0 §2 and §3: a logout request for a browser with no
 * session (Back after signing out, or an app's logout link once the session is gone). The
 * engine answers it with a page whose inline script posts the confirmation for the browser —
 * which our CSP (`default-src 'none'`, common/security-headers.ts) blocks: a blank page. Ours
 * says the person is signed out; when the application sent a registered
 * post_logout_redirect_uri, its "Return to" button posts the same confirmation (the engine
 * then redirects there, with `state`), and a served script presses it once the page has
 * loaded: this page alone may run our own scripts (`script-src 'self'`), never inline ones.
 */
export function signedOutLogoutPage(deps: { views: ViewsService; csp: string }): EngineMiddleware {
  return async (koaContext, next) => {
    await next();
    const ctx = koaContext as KoaContextWithOIDC;
    if (ctx.oidc?.route !== 'end_session' || ctx.status !== 200 || ctx.oidc.session?.accountId) {
      return;
    }
    const xsrf = (ctx.oidc.session?.state as { secret?: unknown } | undefined)?.secret;
    if (typeof xsrf !== 'string') {
      return;
    }
    const client = ctx.oidc.client;
    const ownPages = !client || client.clientId === ACCOUNT_CLIENT_ID;
    // The engine dropped a post_logout_redirect_uri it could not check against a client.
    const returnsToApp = !ownPages && typeof ctx.oidc.params?.post_logout_redirect_uri === 'string';
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    // Our page has no inline script: the hash the engine allowed for its own goes with it.
    ctx.set('Content-Security-Policy', returnsToApp ? `${deps.csp}; script-src 'self'` : deps.csp);
    ctx.body = deps.views.render('logout-signed-out', {
      clientName: ownPages ? undefined : (client.clientName ?? client.clientId),
      returnsToApp,
      action: ctx.oidc.urlFor('end_session_confirm'),
      xsrf,
      script: returnsToApp ? AUTO_SUBMIT_SCRIPT : undefined,
    });
  };
}
