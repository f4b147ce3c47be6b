import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { Sql } from '../../database/sql.js';
import { DevicePolling } from './device-polling.js';
import { UserCodeThrottle } from './user-code-throttle.js';

/** The device flow's own state (RFC 8628): polling intervals and wrong-code throttling. */
@Module({
  providers: [
    {
      provide: DevicePolling,
      inject: [getDataSourceToken(), APP_CONFIG],
      useFactory: (dataSource: DataSource, config: AppConfig) =>
        new DevicePolling(new Sql(dataSource), config.devicePollInterval),
    },
    {
      provide: UserCodeThrottle,
      inject: [getDataSourceToken()],
      useFactory: (dataSource: DataSource) => new UserCodeThrottle(dataSource),
    },
  ],
  exports: [DevicePolling, UserCodeThrottle],
})
export class DeviceModule {}
