import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  RateLimiterPostgres,
  RateLimiterSQLite,
  type RateLimiterAbstract,
  type RateLimiterRes,
} from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import { normalizeEmail } from './users.service.js';

/** The table (created by a migration) holding failed sign-in counters. */
export const THROTTLE_TABLE = 'login_throttle';

interface Limit {
  keyPrefix: string;
  points: number;
  /** Seconds. */
  duration: number;
}

const PER_ACCOUNT: Limit = { keyPrefix: 'account', points: 10, duration: 15 * 60 };
const PER_ADDRESS: Limit = { keyPrefix: 'address', points: 50, duration: 60 * 60 };

/**
 * Limits failed sign-ins per account and per client address (OWASP Authentication cheat sheet).
 * Unknown emails are counted exactly like known ones, so the limiter reveals nothing either.
 * Counters live in the database: every instance sees the same ones, and a restart does not
 * reset them.
 */
@Injectable()
export class LoginThrottle {
  private readonly perAccount: RateLimiterAbstract;
  private readonly perAddress: RateLimiterAbstract;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.perAccount = limiter(dataSource, PER_ACCOUNT);
    this.perAddress = limiter(dataSource, PER_ADDRESS);
  }

  /** Seconds until this account and address may try again, or 0 when they may now. */
  async retryAfter(email: string, address: string): Promise<number> {
    const [account, ip] = await Promise.all([
      this.perAccount.get(accountKey(email)),
      this.perAddress.get(address),
    ]);
    return Math.max(waitOf(account, PER_ACCOUNT), waitOf(ip, PER_ADDRESS));
  }

  async recordFailure(email: string, address: string): Promise<void> {
    await Promise.all([
      this.perAccount.consume(accountKey(email)).catch(ignoreLimitReached),
      this.perAddress.consume(address).catch(ignoreLimitReached),
    ]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.perAccount.delete(accountKey(email));
  }
}

function limiter(dataSource: DataSource, limit: Limit): RateLimiterAbstract {
  const options = {
    ...limit,
    blockDuration: limit.duration,
    tableName: THROTTLE_TABLE,
    tableCreated: true,
    clearExpiredByTimeout: false, // tokens:purge removes expired counters
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

/** A fixed-size key that does not store the typed email (which may be anyone's, or garbage). */
function accountKey(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('base64url');
}

function waitOf(state: RateLimiterRes | null, limit: Limit): number {
  if (!state || state.consumedPoints < limit.points) {
    return 0;
  }
  return Math.ceil(state.msBeforeNext / 1000);
}

/** `consume` rejects with the limiter's state once the limit is reached: the block we want. */
function ignoreLimitReached(reason: unknown): void {
  if (reason instanceof Error) {
    throw reason;
  }
}
