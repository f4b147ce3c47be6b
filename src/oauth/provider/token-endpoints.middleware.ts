import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AccessTokenContext } from '../../tokens/access-token-context.js';

type Middleware = Parameters<Provider['use']>[0];

export interface TokenEndpointsDependencies {
  /** Verifies an access token for the API; throws for anything invalid, expired or revoked. */
  verify: (token: string) => Promise<AccessTokenContext>;
  /** Records the revocation of one self-encoded token, until it expires (ms). */
  revokeToken: (jti: string, expiresAt: number) => Promise<void>;
  /** Records the revocation of every token of a grant, by its key. */
  revokeGrant: (grantKey: string) => Promise<void>;
  /** The id of the grant with this key, if it still exists. */
  grantIdFor: (grantKey: string) => Promise<string | undefined>;
}

interface ErrorBody {
  error?: string;
  error_description?: string;
}

/**
 * Completes oidc-provider's introspection (RFC 7662) and revocation (RFC 7009) endpoints:
 *
 * - Introspection is for resource servers only (RFC 7662 §4): an authenticated client without
 *   the introspection permission gets 403, whatever the token (oidc-provider would answer
 *   `{"active": false}`, which hides a misconfiguration).
 * - oidc-provider refuses self-encoded (JWT) access tokens at both endpoints with
 *   `unsupported_token_type`. It has authenticated the client by then, so Gatehouse answers for
 *   it: introspection verifies the JWT as the resource server does; revocation revokes it.
 * - A request to them (or to the token endpoint) without any client authentication is a 401
 *   `invalid_client`, as RFC 6749 §5.2 says.
 */
export function tokenEndpoints(deps: TokenEndpointsDependencies): Middleware {
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
    if (route !== 'introspection' && route !== 'revocation') {
      return;
    }
    const answered = ctx.status === 200;
    const structured =
      ctx.status === 400 && (ctx.body as ErrorBody)?.error === 'unsupported_token_type';
    // Either way oidc-provider authenticated the client first (its client_auth middleware).
    if (!answered && !structured) {
      return;
    }
    const client = ctx.oidc.client!;
    if (
      route === 'introspection' &&
      (client as { introspection_allowed?: unknown }).introspection_allowed !== true
    ) {
      ctx.status = 403;
      ctx.body = {
        error: 'access_denied',
        error_description: 'only resource servers may introspect tokens',
      };
      return;
    }
    if (!structured) {
      return;
    }
    const token = String(ctx.oidc.params?.token);
    const verified = await deps.verify(token).catch(() => undefined);
    if (route === 'introspection') {
      ctx.status = 200;
      ctx.body = verified ? introspection(verified, ctx.oidc.provider.issuer) : { active: false };
      return;
    }
    // RFC 7009 §2.2: an invalid, expired or already revoked token needs nothing and gets 200,
    // with the same empty text body oidc-provider gives.
    ctx.status = 200;
    ctx.remove('Content-Type');
    ctx.body = '';
    if (!verified) {
      return;
    }
    if (verified.clientId !== client.clientId) {
      // As oidc-provider's own policy: a public client learns nothing, a confidential one is told.
      if (client.clientAuthMethod !== 'none') {
        ctx.status = 400;
        ctx.body = {
          error: 'invalid_request',
          error_description: 'client is not authorized to revoke the presented token',
        };
      }
      return;
    }
    await revoke(ctx, verified, deps);
  };
}

/**
 * RFC 6749 §5.2 names a request with "no client authentication included" `invalid_client` (401);
 * oidc-provider answers it 400 `invalid_request`. RFC 9110 §15.5.2: a 401 carries a challenge.
 */
function unauthenticatedIsInvalidClient(ctx: KoaContextWithOIDC): void {
  const body = ctx.body as ErrorBody & { error_description?: string };
  if (
    ctx.status === 400 &&
    body?.error === 'invalid_request' &&
    body.error_description === 'no client authentication mechanism provided'
  ) {
    ctx.status = 401;
    ctx.body = { error: 'invalid_client', error_description: 'client authentication is required' };
    ctx.set('WWW-Authenticate', `Basic realm="${ctx.oidc.provider.issuer}"`);
  }
}

/**
 * RFC 6749 §5.2 (and RFC 8628 §3.2, which uses its errors): an authenticated client "not
 * authorized to use this authorization grant type" gets `unauthorized_client`; oidc-provider
 * says `invalid_request`. Its description stays.
 */
function grantTypeNotAllowedIsUnauthorizedClient(ctx: KoaContextWithOIDC): void {
  const body = ctx.body as ErrorBody | undefined;
  if (
    ctx.status === 400 &&
    body?.error === 'invalid_request' &&
    /grant type is not allowed for this client$|^urn:ietf:params:oauth:grant-type:device_code is not allowed for this client$/.test(
      body.error_description ?? '',
    )
  ) {
    ctx.body = { ...body, error: 'unauthorized_client' };
  }
}

/**
 * Revokes a JWT access token as oidc-provider revokes an opaque one: every token of its grant
 * (RFC 7009 §2.1: the server "MAY revoke the respective refresh token as well"), the grant
 * itself kept; a client_credentials token, which has no grant, on its own.
 */
async function revoke(
  ctx: KoaContextWithOIDC,
  token: AccessTokenContext,
  deps: TokenEndpointsDependencies,
): Promise<void> {
  if (!token.grantKey) {
    if (token.jti) {
      await deps.revokeToken(token.jti, token.expiresAt.getTime());
    }
    return;
  }
  const grantId = await deps.grantIdFor(token.grantKey);
  if (!grantId) {
    // The grant is gone already; its JWTs may still be about.
    await deps.revokeGrant(token.grantKey);
    return;
  }
  // The adapter records the grant in the revocation list when its access tokens are revoked.
  const { AccessToken, RefreshToken, AuthorizationCode, DeviceCode } = ctx.oidc.provider;
  await Promise.all(
    [AccessToken, RefreshToken, AuthorizationCode, DeviceCode].map((model) =>
      model.revokeByGrantId(grantId),
    ),
  );
  // What oidc-provider's own revocation announces (the audit trail listens).
  ctx.oidc.provider.emit('grant.revoked', ctx, grantId);
}

/** RFC 7662 §2.2, with the members oidc-provider gives for opaque tokens. */
function introspection(token: AccessTokenContext, issuer: string): Record<string, unknown> {
  return {
    active: true,
    client_id: token.clientId,
    exp: Math.floor(token.expiresAt.getTime() / 1000),
    iat: Math.floor(token.issuedAt.getTime() / 1000),
    iss: issuer,
    sub: token.subject,
    aud: token.audience.length === 1 ? token.audience[0] : token.audience,
    ...(token.jti ? { jti: token.jti } : {}),
    ...(token.scopes.length ? { scope: token.scopes.join(' ') } : {}),
    // RFC 9449 §6.2: a DPoP-bound token says so, and to which key.
    ...(token.dpopJkt ? { cnf: { jkt: token.dpopJkt } } : {}),
    token_type: token.dpopJkt ? 'DPoP' : 'Bearer',
  };
}
