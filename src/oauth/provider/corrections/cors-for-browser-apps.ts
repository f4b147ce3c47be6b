import { PROVIDER_ROUTES } from '../routes.js';

type Middleware = (ctx: Context, next: () => Promise<void>) => Promise<void>;

/** The part of Koa's context this middleware uses. */
interface Context {
  method: string;
  path: string;
  status: number;
  body: unknown;
  get(field: string): string;
  remove(field: string): void;
  response: { headers: Record<string, unknown> };
}

/** Endpoints a browser app calls from its own origin (token, userinfo, revocation). */
const BROWSER_ENDPOINTS = new Set<string>([
  PROVIDER_ROUTES.token,
  PROVIDER_ROUTES.userinfo,
  PROVIDER_ROUTES.revocation,
]);
/** Endpoints no browser app has any business calling cross-origin. */
const NO_CORS_ENDPOINTS = new Set<string>([
  PROVIDER_ROUTES.introspection,
  PROVIDER_ROUTES.device_authorization,
  PROVIDER_ROUTES.pushed_authorization_request,
]);

/**
 * Restores CORS for browser apps as "OAuth 2.0 for Browser-Based Applications"
 * (draft-ietf-oauth-browser-based-apps §6.1; no RFC yet) has it: the token, userinfo and
 * revocation endpoints answer cross-origin requests only from an origin of a registered SPA's
 * redirect URIs — preflights included, which oidc-provider grants to any origin (204 with
 * `Access-Control-Allow-Origin` echoing it), since a preflight names no client — and never
 * with `*`; introspection, device authorization and PAR not at all. The engine's CORS headers
 * on any other answer to an unregistered origin (an error before the client was known, say)
 * are taken off, and so is the `Access-Control-Allow-Origin: *` it sends on these endpoints to
 * a request with no `Origin` at all (a server-side client, or a same-origin page).
 *
 * `spaOrigins`: every origin of a registered SPA's redirect URIs (ClientStore.spaOrigins), read
 * per request so a new app works at once. (Per client, oidc-provider's clientBasedCORS then
 * allows only that SPA's own origins; discovery and the JWKS stay open, they are public.)
 */
export function corsPolicy(spaOrigins: () => Promise<Set<string>>): Middleware {
  return async (ctx, next) => {
    const origin = ctx.get('Origin');
    const browserEndpoint = BROWSER_ENDPOINTS.has(ctx.path);
    if (!browserEndpoint && !NO_CORS_ENDPOINTS.has(ctx.path)) {
      return next();
    }
    if (!origin) {
      // Not a cross-origin request: the engine still answers `Access-Control-Allow-Origin: *`
      // there; these endpoints take credentials, so no CORS header at all.
      await next();
      removeCorsHeaders(ctx);
      return;
    }
    const allowed = browserEndpoint && (await spaOrigins()).has(origin);
    if (ctx.method === 'OPTIONS' && !allowed) {
      // No CORS headers: the browser refuses the actual request.
      ctx.status = 403;
      ctx.body = '';
      return;
    }
    await next();
    if (!allowed) {
      // Whatever oidc-provider answered (an error before the client was known, say), an
      // unregistered origin reads none of it.
      removeCorsHeaders(ctx);
    }
  };
}

function removeCorsHeaders(ctx: Context): void {
  for (const header of Object.keys(ctx.response.headers)) {
    if (header.startsWith('access-control-')) {
      ctx.remove(header);
    }
  }
}
