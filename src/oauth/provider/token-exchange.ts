import type { AuditLog } from '../../audit/audit-log.service.js';
import type { AccessTokenContext, Actor } from '../../tokens/access-token-context.js';
import type { ResourceServerEntry } from '../../tokens/resources.js';
import { TOKEN_EXCHANGE_GRANT } from '../clients/client-metadata.js';
import {
  invalidRequest,
  invalidScope,
  invalidTarget,
  type EngineGrant,
  type ResourceServer,
  type TokenEndpointGrantContext,
} from './engine.js';

export { TOKEN_EXCHANGE_GRANT };

/** RFC 8693 §3: the only token type Gatehouse exchanges, and the only one it issues. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** The parameters of RFC 8693 §2.1; `resource` and `audience` may be repeated. */
export const TOKEN_EXCHANGE_PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'resource',
  'audience',
  'scope',
] as const;
export const TOKEN_EXCHANGE_REPEATABLE = ['resource', 'audience'] as const;

/** What oidc-provider records as the grant type of an exchanged access token (`gty`). */
const GTY = 'token_exchange';

/** The one answer for every subject token refused (RFC 8693 §2.2.2), whatever the reason. */
const INVALID_SUBJECT = 'subject_token is invalid, expired or revoked';

export interface TokenExchangeDependencies {
  /** The resource server's verifier (JWT and opaque; the revocation list; the grant). */
  verify(token: string): Promise<AccessTokenContext>;
  /** The id of the grant with this key (a JWT's `gid`), if it still exists. */
  grantIdForKey(key: string): Promise<string | undefined>;
  /** Whether the user may still use the app (not disabled or deleted). */
  userActive(userId: string): Promise<boolean>;
  /** The resource servers a token may be exchanged for, with their scopes. */
  resourceServers: ResourceServerEntry[];
  /** The engine's configuration of one resource server, for a token with these scopes. */
  resourceServerInfo(resource: string, scope: string): ResourceServer;
  audit: AuditLog;
}

/** The claims an exchange puts on the token it issues; `extraTokenClaims` reads them. */
export interface ExchangeClaims {
  act: Actor;
  /** The client the authorization (grant) belongs to: the one whose token was exchanged. */
  grantClientId: string;
}

const exchanged = new WeakMap<object, ExchangeClaims>();

/** What the exchange put on `token`, if it issued it (read by `extraTokenClaims`). */
export function exchangeClaimsOf(token: object): ExchangeClaims | undefined {
  return exchanged.get(token);
}

/**
 * The token endpoint's RFC 8693 grant: a confidential client registered for it
 * (`--token-exchange`; the engine answers any other `unauthorized_client`) presents a user's
 * access token and gets one for another resource server (`resource` or `audience`, among those
 * it was registered for), with the same scopes or fewer, carrying `act` with its own client id
 * (§4.1). The new token is issued under the same authorization (grant) as the one presented,
 * so it dies with it: revoking that authorization, disabling the user or deleting the app
 * whose token it was ends it on the next request. It never outlives the token it came from,
 * and brings no refresh token. Every exchange, and every refusal of one, is audited.
 */
export function tokenExchange(
  deps: TokenExchangeDependencies,
): (ctx: TokenEndpointGrantContext) => Promise<void> {
  return async (ctx) => {
    const attempt: Record<string, unknown> = {};
    try {
      checkTokenTypes(ctx);
      const target = chooseTarget(ctx, deps.resourceServers);
      attempt.audience = target.resource;
      const subject = await verifySubject(ctx, deps);
      attempt.account_id = subject.token.subject;
      const scope = exchangedScope(ctx, subject.token, target);
      await issue(ctx, deps, target, subject, scope);
    } catch (error) {
      const refusal = error as { error?: unknown; error_description?: unknown; status?: unknown };
      if (refusal.status === 400 && typeof refusal.error === 'string') {
        await deps.audit.record({
          event: 'token.exchanged',
          outcome: 'failure',
          actor: { id: ctx.oidc.client.clientId, ip: ctx.ip },
          clientId: ctx.oidc.client.clientId,
          details: { ...attempt, error: refusal.error, reason: refusal.error_description },
        });
      }
      throw error;
    }
  };
}

/** One value of a parameter that may be absent. */
function param(ctx: TokenEndpointGrantContext, name: string): string | undefined {
  const value = ctx.oidc.params[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Every value of a repeatable parameter. */
function params(ctx: TokenEndpointGrantContext, name: string): string[] {
  const value = ctx.oidc.params[name];
  return (Array.isArray(value) ? value : [value]).filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );
}

/**
 * RFC 8693 §2.1: `subject_token` and `subject_token_type` are required. Gatehouse exchanges
 * access tokens for access tokens; acting is proven by the client's own authentication, not by
 * an `actor_token` (delegation by the authenticated client, §1.1).
 */
function checkTokenTypes(ctx: TokenEndpointGrantContext): void {
  for (const required of ['subject_token', 'subject_token_type']) {
    if (!param(ctx, required)) {
      throw invalidRequest(`missing required parameter '${required}'`);
    }
  }
  if (param(ctx, 'subject_token_type') !== ACCESS_TOKEN_TYPE) {
    throw invalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
  }
  if (param(ctx, 'actor_token') || param(ctx, 'actor_token_type')) {
    throw invalidRequest('actor_token is not supported: the authenticated client is the actor');
  }
  const requested = param(ctx, 'requested_token_type');
  if (requested && requested !== ACCESS_TOKEN_TYPE) {
    throw invalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
  }
}

/**
 * The resource server to issue for: the one `resource` or `audience` names (they are the same
 * identifiers here: each resource's indicator is its tokens' `aud`), or the client's only
 * allowed one when neither is given. RFC 8693 §2.2.2: a target the client may not ask for,
 * several targets, or an unknown one is `invalid_target`.
 */
function chooseTarget(
  ctx: TokenEndpointGrantContext,
  servers: ResourceServerEntry[],
): ResourceServerEntry {
  const allowed = exchangeAudiences(ctx.oidc.client);
  const named = [...new Set([...params(ctx, 'resource'), ...params(ctx, 'audience')])];
  if (named.length > 1) {
    throw invalidTarget('only one resource or audience can be asked for per exchange');
  }
  if (named.length === 0 && allowed.length !== 1) {
    throw invalidRequest('name the resource server with resource or audience');
  }
  const wanted = named[0] ?? allowed[0];
  const server = servers.find((candidate) => candidate.resource === wanted);
  if (!server || !allowed.includes(wanted)) {
    throw invalidTarget('the client may not exchange tokens for this resource or audience');
  }
  return server;
}

interface Subject {
  token: AccessTokenContext;
  grant: EngineGrant;
}

/**
 * The subject token, verified as the resource server verifies it (signature or lookup,
 * expiry, the revocation list, its authorization still live): a user's token issued under an
 * authorization, for a user still active. Any other is refused with `invalid_request`, as RFC
 * 8693 §2.2.2 requires ("invalid for any reason, or unacceptable based on policy"): a refresh
 * or ID token, a client credentials or personal access token, a revoked or expired one. A
 * sender-constrained (DPoP) token is bound to its holder's key: exchanging it would unbind it.
 */
async function verifySubject(
  ctx: TokenEndpointGrantContext,
  deps: TokenExchangeDependencies,
): Promise<Subject> {
  const token = await deps.verify(param(ctx, 'subject_token')!).catch(() => undefined);
  if (!token?.userPresent || !token.grantKey) {
    throw invalidRequest(INVALID_SUBJECT);
  }
  if (token.dpopJkt) {
    throw invalidRequest('a sender-constrained (DPoP) subject_token cannot be exchanged');
  }
  const grantId = await deps.grantIdForKey(token.grantKey);
  const grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
  if (!grant || grant.accountId !== token.subject || !(await deps.userActive(token.subject))) {
    throw invalidRequest(INVALID_SUBJECT);
  }
  return { token, grant };
}

/**
 * RFC 8693 §2.1 `scope`: the same scopes or fewer. What may be asked for is what the subject
 * token carries, that the target resource server knows, and that the exchanging client was
 * registered for; no `scope` asks for all of that. Anything beyond is `invalid_scope`
 * (RFC 6749 §5.2).
 */
function exchangedScope(
  ctx: TokenEndpointGrantContext,
  subject: AccessTokenContext,
  target: ResourceServerEntry,
): string[] {
  const apiScope = (ctx.oidc.client as { api_scope?: unknown }).api_scope;
  const clientScopes = typeof apiScope === 'string' ? apiScope.split(' ').filter(Boolean) : [];
  const grantable = subject.scopes.filter(
    (scope) => (target.scopes as string[]).includes(scope) && clientScopes.includes(scope),
  );
  const requested = param(ctx, 'scope')?.split(' ').filter(Boolean);
  if (!requested) {
    if (grantable.length === 0) {
      throw invalidScope('no scope of the subject_token can be exchanged for this audience');
    }
    return grantable;
  }
  const wider = requested.find((scope) => !subject.scopes.includes(scope));
  if (wider) {
    throw invalidScope('requested scope is wider than the subject_token', wider);
  }
  const refused = requested.find((scope) => !grantable.includes(scope));
  if (refused) {
    throw invalidScope('requested scope is not allowed for this client and audience', refused);
  }
  return [...new Set(requested)];
}

/** RFC 8693 §4.1: the exchanging client acts; whoever acted before it nests inside. */
function actor(clientId: string, subject: AccessTokenContext): Actor {
  return subject.actor ? { sub: clientId, act: subject.actor } : { sub: clientId };
}

/** Issues the access token and answers as RFC 8693 §2.2.1 says. */
async function issue(
  ctx: TokenEndpointGrantContext,
  deps: TokenExchangeDependencies,
  target: ResourceServerEntry,
  subject: Subject,
  scopes: string[],
): Promise<void> {
  const { provider, client } = ctx.oidc;
  const scope = scopes.join(' ');
  const info = deps.resourceServerInfo(target.resource, scope);
  const secondsLeft = Math.floor((subject.token.expiresAt.getTime() - Date.now()) / 1000);
  const token = new provider.AccessToken({
    accountId: subject.token.subject,
    client,
    grantId: subject.grant.jti,
    gty: GTY,
    scope,
    resourceServer: new provider.ResourceServer(target.resource, info),
    // Never longer than the token it was exchanged for.
    expiresIn: Math.max(1, Math.min(info.accessTokenTTL ?? secondsLeft, secondsLeft)),
  });
  exchanged.set(token, {
    act: actor(client.clientId, subject.token),
    grantClientId: subject.grant.clientId!,
  });
  ctx.oidc.entity('AccessToken', token);
  // A use of the user's authorization (provider.factory.ts touches its grant usage).
  ctx.oidc.entity('Grant', subject.grant);
  const value = await token.save();
  await deps.audit.record({
    event: 'token.exchanged',
    outcome: 'success',
    actor: { id: client.clientId, ip: ctx.ip },
    clientId: client.clientId,
    details: {
      account_id: subject.token.subject,
      audience: target.resource,
      scope,
      grant: subject.token.grantKey,
      subject_client_id: subject.grant.clientId,
    },
  });
  ctx.body = {
    access_token: value,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: token.tokenType,
    expires_in: token.expiration,
    scope,
  };
}

/** The audiences an application was registered to exchange tokens for (client metadata). */
export function exchangeAudiences(client: object): string[] {
  const value = (client as { token_exchange_audiences?: unknown }).token_exchange_audiences;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
