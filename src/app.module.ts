import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { AccountModule } from './account/account.module.js';
import { AdminModule } from './admin/admin.module.js';
import { ApiDocsController } from './api-docs/api-docs.controller.js';
import { AssetsController, FaviconController } from './common/assets.controller.js';
import { ExamplesController } from './examples/examples.controller.js';
import { HealthModule } from './health/health.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { InteractionsModule } from './oauth/interactions/interactions.module.js';
import { ProviderModule } from './oauth/provider/provider.module.js';
import { PeopleModule } from './people/people.module.js';
import { ResourcesModule } from './resources/resources.module.js';

@Module({})
export class AppModule {
  /** `extra`: more modules, e.g. the controllers a test exercises the guard with. */
  static forRoot(config: AppConfig, extra: Type[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        ProviderModule,
        InteractionsModule,
        PeopleModule,
        HealthModule,
        ObservabilityModule,
        AccountModule,
        AdminModule,
        ResourcesModule,
        ...extra,
      ],
      controllers: [
        ApiDocsController,
        AssetsController,
        FaviconController,
        ...(config.serveExamples ? [ExamplesController] : []),
      ],
    };
  }
}
