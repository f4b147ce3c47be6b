import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import {
  databaseLimiter,
  ignoreLimitReached,
  type Limit,
  secondsBlocked,
} from '../../database/rate-limiter.js';

/**
 * A 6-digit code has a million values and three are valid at a time (one step of drift each
 * way): 5 wrong codes per account per 15 minutes makes guessing one take years (RFC 6238 §5.2
 * asks for a limit); 50 per address per hour stops one address trying many accounts.
 */
const PER_ACCOUNT: Limit = { keyPrefix: 'second_factor_account', points: 5, duration: 15 * 60 };
const PER_ADDRESS: Limit = { keyPrefix: 'second_factor_address', points: 50, duration: 60 * 60 };

/** Too many wrong codes for this account or from this address: try in `retryAfter` seconds. */
export class TooManySecondFactorAttempts extends Error {
  override readonly name = 'TooManySecondFactorAttempts';

  constructor(readonly retryAfter: number) {
    super(`Too many wrong codes. Try again in ${Math.ceil(retryAfter / 60)} minute(s).`);
  }
}

/**
 * Limits wrong second-factor codes (authenticator app and recovery codes alike) per account
 * and per client address, on the counters table sign-in throttling uses (every instance sees
 * the same counters; a restart does not reset them).
 */
@Injectable()
export class SecondFactorThrottle {
  private readonly perAccount: RateLimiterAbstract;
  private readonly perAddress: RateLimiterAbstract;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.perAccount = databaseLimiter(dataSource, PER_ACCOUNT);
    this.perAddress = databaseLimiter(dataSource, PER_ADDRESS);
  }

  /** Seconds until this account and address may try again, or 0 when they may now. */
  async retryAfter(userId: string, address: string): Promise<number> {
    const [account, ip] = await Promise.all([
      this.perAccount.get(userId),
      this.perAddress.get(address),
    ]);
    return Math.max(secondsBlocked(account, PER_ACCOUNT), secondsBlocked(ip, PER_ADDRESS));
  }

  async recordFailure(userId: string, address: string): Promise<void> {
    await Promise.all([
      this.perAccount.consume(userId).catch(ignoreLimitReached),
      this.perAddress.consume(address).catch(ignoreLimitReached),
    ]);
  }

  /** @throws TooManySecondFactorAttempts when this account or address must wait */
  async check(userId: string, address: string): Promise<void> {
    const wait = await this.retryAfter(userId, address);
    if (wait > 0) {
      throw new TooManySecondFactorAttempts(wait);
    }
  }

  async recordSuccess(userId: string): Promise<void> {
    await this.perAccount.delete(userId);
  }
}
