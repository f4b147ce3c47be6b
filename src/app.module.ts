import { Module, type DynamicModule } from '@nestjs/common';
import { AssetsController } from './common/assets.controller.js';
import { HealthController } from './common/health.controller.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { InteractionsModule } from './oauth/interactions/interactions.module.js';
import { ProviderModule } from './oauth/provider/provider.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, ProviderModule, InteractionsModule],
      controllers: [AssetsController, HealthController],
    };
  }
}
