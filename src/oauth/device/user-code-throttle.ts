import { sha256Base64url } from '../../common/sha256.js';
import type { DataSource } from 'typeorm';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import {
  databaseLimiter,
  ignoreLimitReached,
  type Limit,
  secondsBlocked,
} from '../../database/rate-limiter.js';

/**
 * A user code has 20^8 (about 2^34.6) values and lives 10 minutes (RFC 8628 §5.1): a handful of
 * wrong guesses per browser session and per address is plenty for a person mistyping.
 */
const PER_SESSION: Limit = { keyPrefix: 'user-code-session', points: 5, duration: 15 * 60 };
const PER_ADDRESS: Limit = { keyPrefix: 'user-code-address', points: 20, duration: 15 * 60 };

/**
 * Limits wrong user codes typed at the device verification page (RFC 8628 §5.1), per browser
 * session and per client address, in the database (shared by instances, kept over restarts).
 */
export class UserCodeThrottle {
  private readonly perSession: RateLimiterAbstract;
  private readonly perAddress: RateLimiterAbstract;

  constructor(dataSource: DataSource) {
    this.perSession = databaseLimiter(dataSource, PER_SESSION);
    this.perAddress = databaseLimiter(dataSource, PER_ADDRESS);
  }

  /** Seconds until this session and address may try a code again; 0 when they may now. */
  async retryAfter(session: string | undefined, address: string): Promise<number> {
    const [bySession, byAddress] = await Promise.all([
      session ? this.perSession.get(sessionKey(session)) : null,
      this.perAddress.get(address),
    ]);
    return Math.max(secondsBlocked(bySession, PER_SESSION), secondsBlocked(byAddress, PER_ADDRESS));
  }

  async recordWrongCode(session: string | undefined, address: string): Promise<void> {
    await Promise.all([
      session ? this.perSession.consume(sessionKey(session)).catch(ignoreLimitReached) : undefined,
      this.perAddress.consume(address).catch(ignoreLimitReached),
    ]);
  }
}

/** The session cookie's value is a credential: only its hash is stored. */
function sessionKey(session: string): string {
  return sha256Base64url(session);
}
