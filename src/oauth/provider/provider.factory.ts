import { Logger } from '@nestjs/common';
import type { AuditLog } from '../../audit/audit-log.service.js';
import { tokensIssued } from '../../common/metrics.js';
import { setRequestClient } from '../../common/request-client.js';
import { securityHeaders } from '../../common/security-headers.js';
import type { ViewsService } from '../../common/views.service.js';
import type { AppConfig } from '../../config/app-config.js';
import type { UsersService } from '../../identity/users.service.js';
import type { KeyMaterial } from '../../keys/keys.service.js';
import type { AccessTokenVerifier } from '../../tokens/access-token-verifier.service.js';
import type { GrantUsage } from '../../tokens/grant-usage.service.js';
import { grantKey, type RevocationList } from '../../tokens/revocation-list.js';
import type { AdapterFactory } from '../adapter/adapter.factory.js';
import type { ClientStore } from '../clients/client.store.js';
import { deviceFlow } from '../device/device-flow.middleware.js';
import type { DevicePolling } from '../device/device-polling.js';
import type { UserCodeThrottle } from '../device/user-code-throttle.js';
import type { GrantsService } from '../grants/grants.service.js';
import { corsPolicy } from './corrections/cors-for-browser-apps.js';
import { databaseOutage, rememberOutage } from './corrections/database-outage.js';
import { securityHeadersOnEnginePages } from './corrections/engine-page-headers.js';
import { engineInlineScriptByHash } from './corrections/engine-inline-script.js';
import { signedOutLogoutPage } from './corrections/signed-out-logout.js';
import { discoveryListsEveryScope } from './corrections/discovery-scopes.js';
import { compareHashedClientSecrets } from './corrections/hashed-client-secrets.js';
import { replayError } from './corrections/replay-is-invalid-grant.js';
import { revocationAnswersJson } from './corrections/revocation-json-body.js';
import { createEngine, currentRoute, type Engine, type KoaContextWithOIDC } from './engine.js';
import { auditProviderEvents } from './provider-audit.js';
import { providerConfiguration } from './provider-config.js';
import { tokenEndpoints } from './token-endpoints.middleware.js';
import { SCOPES } from '../../tokens/scopes.js';

/** What the engine is built from. */
export interface EngineDependencies {
  config: AppConfig;
  /** Loaded (KeysService.load) signing and cookie keys. */
  keys: KeyMaterial;
  adapters: AdapterFactory;
  users: UsersService;
  grants: GrantsService;
  views: ViewsService;
  revocations: RevocationList;
  accessTokens: AccessTokenVerifier;
  polling: DevicePolling;
  throttle: UserCodeThrottle;
  audit: AuditLog;
  usage: GrantUsage;
  clientStore: ClientStore;
}

/** Where the adapter's row references (typeorm.adapter.ts ROW_REFERENCE) are minted and used. */
const ROW_REFERENCE_ROUTES = new Set(['code_verification', 'device_resume']);

/**
 * Builds oidc-provider: its configuration (provider-config.ts), its storage, and around it the
 * middleware and listeners of Gatehouse, most of them corrections of its answers (see
 * corrections/). The order of `use` matters: the first is outermost.
 */
export function buildEngine(deps: EngineDependencies): Engine {
  const { config, views } = deps;
  const logger = new Logger('oidc-provider');
  const adapter = deps.adapters.create({
    replayError,
    onGrantRevoked: (grantId) => deps.revocations.revoke('grant', grantKey(grantId)),
    // Only the device verification pages, which found the code by its user code.
    rowReferencesAllowed: () => ROW_REFERENCE_ROUTES.has(currentRoute() ?? ''),
  });
  const engine = createEngine(
    config.issuer,
    providerConfiguration({
      config,
      keys: deps.keys,
      adapter,
      users: deps.users,
      grants: deps.grants,
      views,
    }),
  );
  // First, so that it is outermost: every audit write a request starts is awaited.
  auditProviderEvents(engine, deps.audit);
  // The engine reads its request's host, scheme and client address from X-Forwarded-*
  // headers that are always Gatehouse's own: set from ISSUER and from Fastify's verdict
  // under TRUST_PROXY when the request is handed over (see corrections/pin-to-issuer.ts).
  engine.proxy = true;
  compareHashedClientSecrets(engine);
  const headers = securityHeaders();
  const csp = headers['Content-Security-Policy'];
  engine.use(securityHeadersOnEnginePages(headers));
  // Inside the headers, which keep the CSP these set.
  engine.use(engineInlineScriptByHash(csp));
  engine.use(signedOutLogoutPage({ views, csp }));
  engine.use(discoveryListsEveryScope(Object.keys(SCOPES)));
  // The request log names the client the engine authenticated (never its credentials).
  engine.use(async (ctx, next) => {
    await next();
    const clientId = (ctx as KoaContextWithOIDC).oidc?.client?.clientId;
    if (clientId) {
      setRequestClient(ctx.req, clientId);
    }
  });
  // Inside the headers above (its 503 gets them too), outside everything that queries.
  engine.use(databaseOutage({ views, logger }));
  engine.use(corsPolicy(() => deps.clientStore.spaOrigins()));
  engine.use(revocationAnswersJson());
  engine.use(
    tokenEndpoints({
      verify: (token) => deps.accessTokens.verify(token),
      revokeToken: (jti, until) => deps.revocations.revoke('token', jti, until),
      revokeGrant: (key) => deps.revocations.revoke('grant', key),
      grantIdFor: (key) => deps.grants.grantIdForKey(key),
    }),
  );
  // A token issued under a grant (code, refresh, device) is a use of the authorization.
  engine.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const grantType = ctx.oidc.params?.grant_type;
    tokensIssued.inc({ grant_type: typeof grantType === 'string' ? grantType : 'unknown' });
    const grantId = ctx.oidc.entities.Grant?.jti;
    if (grantId) {
      deps.usage.touch(grantKey(grantId));
    }
  });
  engine.use(
    deviceFlow({
      polling: deps.polling,
      throttle: deps.throttle,
      views,
      issuer: config.issuer,
      deviceCodeTtl: config.ttl.deviceCode,
    }),
  );
  // One log line per failure: a database outage is logged (without a stack) and answered
  // 503 by databaseOutage; anything else is a bug, logged here with its stack.
  engine.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
    if (!rememberOutage(ctx, error)) {
      logger.error(error.stack ?? error.message);
    }
  });
  return engine;
}
