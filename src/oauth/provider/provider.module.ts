import { Logger, Module } from '@nestjs/common';
import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { AuditLog } from '../../audit/audit-log.service.js';
import { AuditModule } from '../../audit/audit.module.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { securityHeaders } from '../../common/security-headers.js';
import { ViewsService } from '../../common/views.service.js';
import { IdentityModule } from '../../identity/identity.module.js';
import { AccessTokenVerifier } from '../../tokens/access-token-verifier.service.js';
import { TokensModule } from '../../tokens/tokens.module.js';
import { UsersService } from '../../identity/users.service.js';
import { AdapterFactory } from '../adapter/adapter.factory.js';
import { clientSecretMatches } from '../clients/client-secret.js';
import { ClientStore } from '../clients/client.store.js';
import { ClientsModule } from '../clients/clients.module.js';
import { GrantsModule } from '../grants/grants.module.js';
import { GrantUsage } from '../../tokens/grant-usage.service.js';
import { GrantsService } from '../grants/grants.service.js';
import { KeysModule } from '../../keys/keys.module.js';
import { KeysService } from '../../keys/keys.service.js';
import { RevocationList, grantKey } from '../../tokens/revocation-list.js';
import { OIDC_PROVIDER } from './oidc-provider.token.js';
import { tokenEndpoints } from './token-endpoints.middleware.js';
import { deviceFlow } from '../device/device-flow.middleware.js';
import { DeviceModule } from '../device/device.module.js';
import { DevicePolling } from '../device/device-polling.js';
import { UserCodeThrottle } from '../device/user-code-throttle.js';
import { corsPolicy } from './corrections/cors-for-browser-apps.js';
import { databaseOutage, rememberOutage } from './corrections/database-outage.js';
import { auditProviderEvents } from './provider-audit.js';
import { providerConfiguration } from './provider-config.js';

/** Where the adapter's row references (typeorm.adapter.ts ROW_REFERENCE) are minted and used. */
const ROW_REFERENCE_ROUTES = new Set(['code_verification', 'device_resume']);

const REPLAY_LABELS: Record<string, string> = {
  AuthorizationCode: 'authorization code already consumed',
  RefreshToken: 'refresh token already used',
  DeviceCode: 'device code already consumed',
};

/** The one module that builds oidc-provider; everything else talks to it through OIDC_PROVIDER. */
@Module({
  imports: [
    AuditModule,
    IdentityModule,
    ClientsModule,
    GrantsModule,
    KeysModule,
    TokensModule,
    DeviceModule,
  ],
  providers: [
    ViewsService,
    AdapterFactory,
    {
      provide: OIDC_PROVIDER,
      inject: [
        APP_CONFIG,
        KeysService,
        AdapterFactory,
        UsersService,
        GrantsService,
        ViewsService,
        RevocationList,
        AccessTokenVerifier,
        DevicePolling,
        UserCodeThrottle,
        AuditLog,
        GrantUsage,
        ClientStore,
      ],
      useFactory: async (
        config: AppConfig,
        keys: KeysService,
        adapters: AdapterFactory,
        users: UsersService,
        grants: GrantsService,
        views: ViewsService,
        revocations: RevocationList,
        accessTokens: AccessTokenVerifier,
        polling: DevicePolling,
        throttle: UserCodeThrottle,
        audit: AuditLog,
        usage: GrantUsage,
        clientStore: ClientStore,
      ): Promise<Provider> => {
        await keys.load();
        const logger = new Logger('oidc-provider');
        const adapter = adapters.create({
          replayError: (kind) =>
            new errors.InvalidGrant(REPLAY_LABELS[kind] ?? 'grant already used'),
          onGrantRevoked: (grantId) => revocations.revoke('grant', grantKey(grantId)),
          // Only the device verification pages, which found the code by its user code.
          rowReferencesAllowed: () =>
            ROW_REFERENCE_ROUTES.has(String(Provider.ctx?.oidc?.route ?? '')),
        });
        const provider = new Provider(
          config.issuer,
          providerConfiguration({
            config,
            keys: keys.current,
            adapter,
            users,
            grants,
            views,
          }),
        );
        // First, so that it is outermost: every audit write a request starts is awaited.
        auditProviderEvents(provider, audit);
        // The engine reads its request's host, scheme and client address from X-Forwarded-*
        // headers that are always Gatehouse's own: set from ISSUER and from Fastify's verdict
        // under TRUST_PROXY when the request is handed over (see pin-to-issuer.ts).
        provider.proxy = true;
        // Stored client secrets are SHA-256 digests: hash what the client presents and compare
        // in constant time (see clients/client-secret.ts). During a rotation's grace period the
        // previous secret works too (the adapter drops it once the period is over).
        provider.Client.prototype.compareClientSecret = function (
          this: { clientSecret?: string; previous_secret_hash?: string },
          actual: string,
        ) {
          return Promise.resolve(
            clientSecretMatches(actual, this.clientSecret) ||
              clientSecretMatches(actual, this.previous_secret_hash),
          );
        };
        // oidc-provider writes its responses itself, outside Fastify's hooks (and so outside
        // helmet): give its pages the same security headers as ours, unless it set its own.
        const headers = securityHeaders();
        provider.use(async (ctx, next) => {
          await next();
          for (const [name, value] of Object.entries(headers)) {
            if (!ctx.response.get(name)) {
              ctx.set(name, value);
            }
          }
        });
        // Inside the headers above (its 503 gets them too), outside everything that queries.
        provider.use(databaseOutage({ views, logger }));
        provider.use(corsPolicy(() => clientStore.spaOrigins()));
        provider.use(
          tokenEndpoints({
            verify: (token) => accessTokens.verify(token),
            revokeToken: (jti, until) => revocations.revoke('token', jti, until),
            revokeGrant: (key) => revocations.revoke('grant', key),
            grantIdFor: (key) => grants.grantIdForKey(key),
          }),
        );
        // A token issued under a grant (code, refresh, device) is a use of the authorization.
        provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
          const grantId = ctx.oidc.entities.Grant?.jti;
          if (grantId) {
            usage.touch(grantKey(grantId));
          }
        });
        provider.use(
          deviceFlow({
            polling,
            throttle,
            views,
            issuer: config.issuer,
            deviceCodeTtl: config.ttl.deviceCode,
          }),
        );
        // One log line per failure: a database outage is logged (without a stack) and answered
        // 503 by databaseOutage; anything else is a bug, logged here with its stack.
        provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
          if (!rememberOutage(ctx, error)) {
            logger.error(error.stack ?? error.message);
          }
        });
        return provider;
      },
    },
  ],
  exports: [
    OIDC_PROVIDER,
    AuditModule,
    ViewsService,
    IdentityModule,
    ClientsModule,
    GrantsModule,
    KeysModule,
    TokensModule,
  ],
})
export class ProviderModule {}
