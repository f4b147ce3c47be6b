import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { ExpiredRowsPurge } from './expired-rows.js';
import { runMigrations } from './migrate.js';
import { ThrottleCounters } from './rate-limiter.js';

/**
 * Opens the database and brings its schema up to date before anything else uses it; each
 * feature registers its own entities. Also the purge of expired rows (see expired-rows.ts).
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.database, config.databaseBusyTimeout),
        autoLoadEntities: true,
      }),
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        await runMigrations(dataSource);
        return dataSource;
      },
    }),
    DiscoveryModule,
  ],
  providers: [ExpiredRowsPurge, ThrottleCounters],
  exports: [ExpiredRowsPurge],
})
export class DatabaseModule {}
