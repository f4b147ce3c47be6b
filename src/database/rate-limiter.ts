import {
  RateLimiterPostgres,
  RateLimiterSQLite,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type ExpiringRows, PurgesExpiredRows } from './expired-rows.js';
import { Sql } from './sql.js';

/** The table (created by a migration) holding every limiter's counters, by key prefix. */
const THROTTLE_TABLE = 'login_throttle';

export interface Limit {
  keyPrefix: string;
  points: number;
  /** Seconds; also how long a key stays blocked once it used its points. */
  duration: number;
}

/**
 * A rate-limiter-flexible limiter on the application's database: counters shared by every
 * instance and kept over restarts (`tokens:purge` removes the expired ones).
 */
export function databaseLimiter(dataSource: DataSource, limit: Limit): RateLimiterAbstract {
  const options = {
    ...limit,
    blockDuration: limit.duration,
    tableName: THROTTLE_TABLE,
    tableCreated: true,
    clearExpiredByTimeout: false,
  };
  if (dataSource.options.type === 'postgres') {
    return new RateLimiterPostgres({ ...options, storeClient: dataSource, storeType: 'typeorm' });
  }
  return new RateLimiterSQLite({
    ...options,
    // better-sqlite3's Database, which TypeORM's driver holds.
    storeClient: (dataSource.driver as unknown as { databaseConnection: unknown })
      .databaseConnection,
    storeType: 'better-sqlite3',
  });
}

/** Seconds until a key may try again under `limit`; 0 when it may now. */
export function secondsBlocked(
  state: { consumedPoints: number; msBeforeNext: number } | null,
  limit: Limit,
): number {
  return state && state.consumedPoints >= limit.points ? Math.ceil(state.msBeforeNext / 1000) : 0;
}

/** `consume` rejects with the limiter's state once the limit is reached: the block we want. */
export function ignoreLimitReached(reason: unknown): void {
  if (reason instanceof Error) {
    throw reason;
  }
}

/**
 * The owner of the counters table: rate-limiter-flexible reads and writes it through the
 * limiters above, and this purges the counters whose window has passed.
 */
@Injectable()
@PurgesExpiredRows()
export class ThrottleCounters implements ExpiringRows {
  private readonly sql: Sql;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new Sql(dataSource);
  }

  async purgeExpired(now: number): Promise<number> {
    const rows = await this.sql.query(
      `DELETE FROM ${THROTTLE_TABLE} WHERE expire IS NOT NULL AND expire <= ? RETURNING key`,
      [now],
    );
    return rows.length;
  }
}
