import type { EngineMiddleware, KoaContextWithOIDC } from '../engine.js';

/**
 * Discovery's `scopes_supported` (RFC 8414 §2, OpenID Connect Discovery §3) lists every scope
 * a client may ask for: the engine lists only its OpenID Connect scopes (`scopes`) and ignores
 * a `discovery.scopes_supported` of the configuration (it only fills keys it has not set), so
 * the API scopes, granted through resource indicators, went unlisted and a client (an MCP
 * client, say) could not discover them.
 */
export function discoveryListsEveryScope(scopes: readonly string[]): EngineMiddleware {
  return async (koaContext, next) => {
    await next();
    const ctx = koaContext as KoaContextWithOIDC;
    if (ctx.oidc?.route === 'discovery' && ctx.status === 200 && ctx.body) {
      (ctx.body as { scopes_supported?: string[] }).scopes_supported = [...scopes];
    }
  };
}
