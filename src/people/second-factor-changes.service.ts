import { Injectable } from '@nestjs/common';
import type { Actor } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { UserInputError } from '../common/errors.js';
import {
  AuthenticatorApps,
  type Enrolment,
} from '../identity/second-factors/authenticator-apps.service.js';
import { RecoveryCodes } from '../identity/second-factors/recovery-codes.service.js';
import { SecondFactorThrottle } from '../identity/second-factors/second-factor-throttle.js';
import { SecondFactors } from '../identity/second-factors/second-factors.service.js';
import type { UserEntity } from '../identity/user.entity.js';
import { UsersService } from '../identity/users.service.js';
import { Mailer } from '../mail/mailer.service.js';

const APP = 'an authenticator app';

/**
 * What a person (or an administrator) changes about second factors, each change audited and
 * told to the person by email: an authenticator app set up (confirmed by one code), removed
 * (with the password or a code), new recovery codes, and an administrator's reset of all.
 * Codes typed here count against the second-factor throttle like those typed at sign-in.
 */
@Injectable()
export class SecondFactorChanges {
  constructor(
    private readonly apps: AuthenticatorApps,
    private readonly recoveryCodes: RecoveryCodes,
    private readonly secondFactors: SecondFactors,
    private readonly throttle: SecondFactorThrottle,
    private readonly users: UsersService,
    private readonly audit: AuditLog,
    private readonly mailer: Mailer,
  ) {}

  /** Starts (or shows again) the set-up of an authenticator app. */
  async beginAuthenticatorApp(user: UserEntity): Promise<Enrolment> {
    return (await this.apps.pending(user.id, user.email)) ?? this.apps.begin(user.id, user.email);
  }

  /**
   * Confirms the app with a code from it. The first second factor of a person comes with
   * recovery codes, returned to be shown once; undefined when they had some already.
   * @throws UserInputError for a wrong code, TooManySecondFactorAttempts when throttled
   */
  async confirmAuthenticatorApp(
    user: UserEntity,
    code: string,
    actor: Required<Actor>,
  ): Promise<{ recoveryCodes?: string[] }> {
    await this.checkThrottle(user, actor);
    if (!(await this.apps.confirm(user.id, code))) {
      await this.throttle.recordFailure(user.id, actor.ip);
      throw new UserInputError(
        'That code does not match. Enter the 6-digit code your app shows now.',
      );
    }
    await this.throttle.recordSuccess(user.id);
    const recoveryCodes =
      (await this.recoveryCodes.remaining(user.id)) === 0
        ? await this.recoveryCodes.generate(user.id)
        : undefined;
    await this.audit.record({
      event: 'second_factor.added',
      outcome: 'success',
      actor,
      details: { method: 'totp', recovery_list_made: recoveryCodes !== undefined },
    });
    this.mailer.queue({ to: user.email, kind: 'second_factor_added', input: { factor: APP } });
    return { recoveryCodes };
  }

  /**
   * Removes the authenticator app, confirmed with the password or a code from the app. The
   * recovery codes go with the last second factor.
   * @throws UserInputError when neither is right, TooManySecondFactorAttempts when throttled
   */
  async removeAuthenticatorApp(
    user: UserEntity,
    proof: string,
    actor: Required<Actor>,
  ): Promise<void> {
    await this.checkThrottle(user, actor);
    const proven = /^\s*\d{6}\s*$/.test(proof)
      ? await this.apps.verify(user.id, proof)
      : proof.length > 0 && (await this.users.authenticate(user.email, proof)) !== null;
    if (!proven) {
      await this.throttle.recordFailure(user.id, actor.ip);
      throw new UserInputError('That is neither your password nor a current code from your app.');
    }
    await this.throttle.recordSuccess(user.id);
    await this.apps.remove(user.id);
    const codesRemoved = (await this.secondFactors.has(user.id))
      ? 0
      : await this.recoveryCodes.removeAll(user.id);
    await this.audit.record({
      event: 'second_factor.removed',
      outcome: 'success',
      actor,
      details: { method: 'totp', recovery_list_removed: codesRemoved > 0 },
    });
    this.mailer.queue({ to: user.email, kind: 'second_factor_removed', input: { factor: APP } });
  }

  /** A new set of recovery codes (the old ones stop working), for a person with a factor. */
  async regenerateRecoveryCodes(user: UserEntity, actor: Actor): Promise<string[]> {
    if (!(await this.secondFactors.has(user.id))) {
      throw new UserInputError('Set up a second factor first: recovery codes stand in for it.');
    }
    const codes = await this.recoveryCodes.generate(user.id);
    await this.audit.record({
      event: 'second_factor.added',
      outcome: 'success',
      actor,
      details: { method: 'recovery_codes' },
    });
    this.mailer.queue({
      to: user.email,
      kind: 'second_factor_added',
      input: { factor: 'a new set of recovery codes (the earlier ones no longer work)' },
    });
    return codes;
  }

  /** An administrator removes every second factor and recovery code of `user`. */
  async reset(user: UserEntity, actor: Actor): Promise<void> {
    const before = await this.secondFactors.summary(user.id);
    await this.secondFactors.resetAll(user.id);
    await this.audit.record({
      event: 'second_factor.reset',
      outcome: 'success',
      actor,
      details: { user_id: user.id, email: user.email, removed: Object.keys(before) },
    });
    this.mailer.queue({ to: user.email, kind: 'second_factors_reset', input: {} });
  }

  private checkThrottle(user: UserEntity, actor: Required<Actor>): Promise<void> {
    return this.throttle.check(user.id, actor.ip);
  }
}
