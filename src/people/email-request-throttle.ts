import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import { AuditLog } from '../audit/audit-log.service.js';
import { sha256Base64url } from '../common/sha256.js';
import { databaseLimiter, type Limit } from '../database/rate-limiter.js';
import { normalizeEmail } from '../identity/users.service.js';

/**
 * Requests that send an email (sign-up, forgot password, resend, invitations): each costs a
 * stranger's inbox something, so they are limited per client address and per email address
 * (OWASP Forgot Password cheat sheet). Known and unknown addresses count alike.
 */
export const PER_ADDRESS: Limit = { keyPrefix: 'mail-address', points: 30, duration: 60 * 60 };
export const PER_EMAIL: Limit = { keyPrefix: 'mail-email', points: 5, duration: 60 * 60 };

/** The request is over the limit; `retryAfter` in seconds. */
export class TooManyEmailRequests extends Error {
  constructor(readonly retryAfter: number) {
    super(
      `Too many requests for emails. Try again in ${Math.max(1, Math.ceil(retryAfter / 60))} minute(s).`,
    );
  }
}

@Injectable()
export class EmailRequestThrottle {
  private readonly perAddress: RateLimiterAbstract;
  private readonly perEmail: RateLimiterAbstract;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {
    this.perAddress = databaseLimiter(dataSource, PER_ADDRESS);
    this.perEmail = databaseLimiter(dataSource, PER_EMAIL);
  }

  /**
   * Counts one request from `address` for `email`.
   * @throws TooManyEmailRequests when either is over its limit
   */
  async consume(address: string | undefined, email: string): Promise<void> {
    const waits = await Promise.all([
      address === undefined ? 0 : wait(this.perAddress, address),
      wait(this.perEmail, sha256Base64url(normalizeEmail(email))),
    ]);
    const retryAfter = Math.max(...waits);
    if (retryAfter > 0) {
      await this.audit.record({
        event: 'email_request.throttled',
        outcome: 'failure',
        actor: { id: normalizeEmail(email), ip: address },
        details: { email: normalizeEmail(email), retry_after: retryAfter },
      });
      throw new TooManyEmailRequests(retryAfter);
    }
  }
}

async function wait(limiter: RateLimiterAbstract, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (reason) {
    if (reason instanceof RateLimiterRes) {
      return Math.ceil(reason.msBeforeNext / 1000);
    }
    throw reason;
  }
}
