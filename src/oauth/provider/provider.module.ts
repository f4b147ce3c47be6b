import { Module } from '@nestjs/common';
import { AuditLog } from '../../audit/audit-log.service.js';
import { AuditModule } from '../../audit/audit.module.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { ViewsService } from '../../common/views.service.js';
import { IdentityModule } from '../../identity/identity.module.js';
import { SecondFactors } from '../../identity/second-factors/second-factors.service.js';
import { UsersService } from '../../identity/users.service.js';
import { KeysModule } from '../../keys/keys.module.js';
import { KeysService } from '../../keys/keys.service.js';
import { AccessTokenVerifier } from '../../tokens/access-token-verifier.service.js';
import { GrantUsage } from '../../tokens/grant-usage.service.js';
import { RevocationList } from '../../tokens/revocation-list.js';
import { TokensModule } from '../../tokens/tokens.module.js';
import { AdapterFactory } from '../adapter/adapter.factory.js';
import { ClientStore } from '../clients/client.store.js';
import { ClientsModule } from '../clients/clients.module.js';
import { DeviceModule } from '../device/device.module.js';
import { DevicePolling } from '../device/device-polling.js';
import { UserCodeThrottle } from '../device/user-code-throttle.js';
import { GrantsModule } from '../grants/grants.module.js';
import { GrantsService } from '../grants/grants.service.js';
import { replaceSigningKeys, type Engine } from './engine.js';
import { OIDC_PROVIDER } from './oidc-provider.token.js';
import { buildEngine } from './provider.factory.js';

/**
 * Provides the engine (oidc-provider, built by provider.factory.ts) to everything else, through
 * OIDC_PROVIDER.
 */
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
        SecondFactors,
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
        secondFactors: SecondFactors,
      ): Promise<Engine> => {
        await keys.load();
        const engine = buildEngine({
          config,
          keys: keys.current,
          adapters,
          users,
          grants,
          views,
          revocations,
          accessTokens,
          polling,
          throttle,
          audit,
          usage,
          clientStore,
          secondFactors,
        });
        // keys:rotate, run anywhere, reaches this running server without a restart.
        keys.onSigningKeysChanged((material) => replaceSigningKeys(engine, material.signing));
        return engine;
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
