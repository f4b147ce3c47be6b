import { sha256Base64url } from '../common/sha256.js';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import {
  databaseLimiter,
  ignoreLimitReached,
  type Limit,
  secondsBlocked,
} from '../database/rate-limiter.js';
import { normalizeEmail } from './users.service.js';

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
    this.perAccount = databaseLimiter(dataSource, PER_ACCOUNT);
    this.perAddress = databaseLimiter(dataSource, PER_ADDRESS);
  }

  /** Seconds until this account and address may try again, or 0 when they may now. */
  async retryAfter(email: string, address: string): Promise<number> {
    const [account, ip] = await Promise.all([
      this.perAccount.get(accountKey(email)),
      this.perAddress.get(address),
    ]);
    return Math.max(secondsBlocked(account, PER_ACCOUNT), secondsBlocked(ip, PER_ADDRESS));
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

/** A fixed-size key that does not store the typed email (which may be anyone's, or garbage). */
function accountKey(email: string): string {
  return sha256Base64url(normalizeEmail(email));
}
