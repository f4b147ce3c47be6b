import { Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { normalizeEmail } from './users.service.js';

/**
 * Limits failed sign-ins per account and per client address (OWASP Authentication cheat sheet).
 * Unknown emails are counted exactly like known ones, so the limiter reveals nothing either.
 * Counters live in this process; several instances each keep their own.
 */
@Injectable()
export class LoginThrottle {
  private readonly perAccount = new RateLimiterMemory({
    keyPrefix: 'login-account',
    points: 10,
    duration: 15 * 60,
    blockDuration: 15 * 60,
  });
  private readonly perAddress = new RateLimiterMemory({
    keyPrefix: 'login-address',
    points: 50,
    duration: 60 * 60,
    blockDuration: 60 * 60,
  });

  /** Seconds until this account and address may try again, or 0 when they may now. */
  async retryAfter(email: string, address: string): Promise<number> {
    const [account, ip] = await Promise.all([
      this.perAccount.get(normalizeEmail(email)),
      this.perAddress.get(address),
    ]);
    return Math.max(waitOf(account, 10), waitOf(ip, 50));
  }

  async recordFailure(email: string, address: string): Promise<void> {
    await Promise.all([
      this.perAccount.consume(normalizeEmail(email)).catch(ignoreRejection),
      this.perAddress.consume(address).catch(ignoreRejection),
    ]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.perAccount.delete(normalizeEmail(email));
  }
}

function waitOf(state: RateLimiterRes | null, points: number): number {
  if (!state || state.consumedPoints < points) {
    return 0;
  }
  return Math.ceil(state.msBeforeNext / 1000);
}

/** `consume` rejects once the limit is reached; the block it sets is what we want. */
function ignoreRejection(reason: unknown): void {
  if (reason instanceof Error) {
    throw reason;
  }
}
