import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { PasskeysModule } from '../identity/passkeys/passkeys.module.js';
import { ClientsModule } from '../oauth/clients/clients.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { DeviceModule } from '../oauth/device/device.module.js';
import { DpopModule } from '../resources/auth/dpop.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { PeopleServicesModule } from '../people/people-services.module.js';

/** What the CLI needs: the database and the services, without HTTP or oidc-provider. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        IdentityModule,
        ClientsModule,
        KeysModule,
        // Every owner of expiring rows, for tokens:purge.
        AuditModule,
        TokensModule,
        DeviceModule,
        DpopModule,
        PasskeysModule,
        // The people's lifecycle without its pages or the engine (users:*, email links).
        PeopleServicesModule,
      ],
    };
  }
}
