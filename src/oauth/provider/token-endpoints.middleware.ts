import type { EngineMiddleware, KoaContextWithOIDC } from './engine.js';
import { grantTypeNotAllowedIsUnauthorizedClient } from './corrections/grant-type-not-allowed-is-unauthorized-client.js';
import { introspectExchangedToken } from './corrections/exchanged-token-introspection.js';
import { introspectionForResourceServersOnly } from './corrections/introspection-for-resource-servers.js';
import { introspectSelfEncodedToken } from './corrections/self-encoded-token-introspection.js';
import {
  revokeSelfEncodedToken,
  type SelfEncodedRevocationDependencies,
} from './corrections/self-encoded-token-revocation.js';
import { unauthenticatedIsInvalidClient } from './corrections/unauthenticated-is-invalid-client.js';

export type TokenEndpointsDependencies = SelfEncodedRevocationDependencies;

/**
 * The corrections of oidc-provider's token, device authorization, introspection (RFC 7662) and
 * revocation (RFC 7009) answers, each in `corrections/`, applied to the route they concern
 * once the engine has answered.
 */
export function tokenEndpoints(deps: TokenEndpointsDependencies): EngineMiddleware {
  return async (koaContext, next) => {
    await next();
    // Set by oidc-provider on its own routes only; absent on a 404, say.
    const ctx = koaContext as KoaContextWithOIDC;
    const route = ctx.oidc?.route;
    if (route === 'token' || route === 'introspection' || route === 'revocation') {
      unauthenticatedIsInvalidClient(ctx);
    }
    if (route === 'token' || route === 'device_authorization') {
      grantTypeNotAllowedIsUnauthorizedClient(ctx);
    }
    if (route === 'introspection' && !introspectionForResourceServersOnly(ctx)) {
      await introspectSelfEncodedToken(ctx, deps.verify);
      await introspectExchangedToken(ctx, deps.verify);
    } else if (route === 'revocation') {
      await revokeSelfEncodedToken(ctx, deps);
    }
  };
}
