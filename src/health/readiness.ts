import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
} from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { KeysService } from '../keys/keys.service.js';

/** A readiness check waits this long for the database before calling it down. */
const DATABASE_TIMEOUT_MS = 1500;

/**
 * Whether this instance can serve: its database answers, its signing keys are loaded, and every
 * migration it knows is applied (an instance of a newer version started against an older
 * schema, or the other way round, is not ready). With @nestjs/terminus.
 */
@Injectable()
export class Readiness {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly keys: KeysService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** @throws ServiceUnavailableException (terminus's) with the same shape when one is down */
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database').withTimeout(DATABASE_TIMEOUT_MS),
      () => this.keysLoaded(),
      () =>
        this.indicators
          .check('migrations')
          .attempt(async () => {
            if (await this.dataSource.showMigrations()) {
              throw new Error('migrations are pending');
            }
          })
          .withTimeout(DATABASE_TIMEOUT_MS),
    ]);
  }

  private keysLoaded() {
    const session = this.indicators.check('keys');
    try {
      return session.up({ signing: this.keys.current.signing.length });
    } catch {
      return session.down({ message: 'signing keys are not loaded' });
    }
  }
}
