import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { AuthenticatorApps } from './authenticator-apps.service.js';
import { RecoveryCodes } from './recovery-codes.service.js';

/**
 * The kinds of second factor. A kind is offered on the second-factor page when the person has
 * one; `recovery_code` only stands in for the others (a person with recovery codes alone has
 * no second factor).
 */
export type SecondFactorKind = 'totp' | 'passkey' | 'recovery_code';

/** A kind of second factor a person can hold, as the module that stores it counts it. */
export interface SecondFactorSource {
  readonly kind: Exclude<SecondFactorKind, 'recovery_code'>;
  /** How many of this kind `userId` has (0 for none). */
  count(userId: string): Promise<number>;
  /** Removes every one of this kind `userId` has (an administrator's reset). */
  removeAll(userId: string): Promise<void>;
}

/** What a person has: one entry per kind they hold, with how many. */
export type SecondFactorSummary = Partial<Record<SecondFactorKind, number>>;

/** What a sign-in must still do about second factors. */
export type SecondFactorNeed = 'none' | 'verify' | 'enrol';

/**
 * A person's second factors, by kind, whatever module stores them: the authenticator app and
 * recovery codes here; a passkey module registers itself as one more source (`register`), and
 * the second-factor page then offers it. Also the policy (MFA) that says who must have one.
 */
@Injectable()
export class SecondFactors {
  private readonly sources = new Map<string, SecondFactorSource>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    authenticatorApps: AuthenticatorApps,
    private readonly recoveryCodes: RecoveryCodes,
  ) {
    this.register({
      kind: 'totp',
      count: async (userId) => ((await authenticatorApps.isEnrolled(userId)) ? 1 : 0),
      removeAll: async (userId) => {
        await authenticatorApps.remove(userId);
      },
    });
  }

  /** Adds a kind of second factor (one source per kind). */
  register(source: SecondFactorSource): void {
    this.sources.set(source.kind, source);
  }

  /** Every kind `userId` holds, with how many (recovery codes: how many are left). */
  async summary(userId: string): Promise<SecondFactorSummary> {
    const summary: SecondFactorSummary = {};
    for (const source of this.sources.values()) {
      const count = await source.count(userId);
      if (count > 0) {
        summary[source.kind] = count;
      }
    }
    const codes = await this.recoveryCodes.remaining(userId);
    if (codes > 0) {
      summary.recovery_code = codes;
    }
    return summary;
  }

  /** Whether `userId` has a second factor (an app, a passkey; recovery codes do not count). */
  async has(userId: string): Promise<boolean> {
    return hasSecondFactor(await this.summary(userId));
  }

  /**
   * Whether the MFA policy makes `user` set up a second factor before using `what`: with
   * `all`, anything; with `admins`, an administrator before anything that acts as one (admin
   * pages, the `admin` scope, the account pages that mint personal tokens with it).
   */
  policyRequires(user: { isAdmin: boolean }, what: 'app' | 'admin'): boolean {
    switch (this.config.mfa) {
      case 'all':
        return true;
      case 'admins':
        return user.isAdmin && what === 'admin';
      default:
        return false;
    }
  }

  /** Removes every second factor and recovery code of `userId` (an administrator's reset). */
  async resetAll(userId: string): Promise<void> {
    for (const source of this.sources.values()) {
      await source.removeAll(userId);
    }
    await this.recoveryCodes.removeAll(userId);
  }
}

/** Whether a summary holds a second factor (recovery codes alone are none). */
export function hasSecondFactor(summary: SecondFactorSummary): boolean {
  return Object.entries(summary).some(([kind, n]) => kind !== 'recovery_code' && (n ?? 0) > 0);
}
