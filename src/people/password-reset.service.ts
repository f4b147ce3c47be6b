import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { UserInputError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { passwordProblem } from '../identity/password-policy.js';
import type { UserEntity } from '../identity/user.entity.js';
import { normalizeEmail, UsersService } from '../identity/users.service.js';
import { Mailer } from '../mail/mailer.service.js';
import { lifetimeInWords } from './email-link-rules.js';
import type { EmailLink } from './email-links.store.js';
import { EmailLinksStore } from './email-links.store.js';
import { EmailRequestThrottle } from './email-request-throttle.js';
import { EmailVerification, linkUrl } from './email-verification.service.js';
import { LinkRefused } from './link-refused.js';
import { UserAccess } from './user-access.service.js';

/**
 * "Forgot password?": a single-use, 30-minute link to the account's address; the page answers
 * the same whether or not the address has an account (OWASP Forgot Password cheat sheet). A
 * reset ends every session and revokes every token of the user (whoever knew the old password
 * is out), and a notice goes to the address.
 */
@Injectable()
export class PasswordReset {
  constructor(
    private readonly users: UsersService,
    private readonly links: EmailLinksStore,
    private readonly verification: EmailVerification,
    private readonly access: UserAccess,
    private readonly mailer: Mailer,
    private readonly throttle: EmailRequestThrottle,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** @throws TooManyEmailRequests */
  async request(email: string, actor: Actor): Promise<void> {
    const normalized = normalizeEmail(email);
    await this.throttle.consume(actor.ip, normalized);
    const user = await this.users.findByEmail(normalized);
    // A disabled user is told nothing either: their administrator decides.
    const sent = user !== null && user.disabledAt === null;
    if (sent) {
      await this.sendLink(user);
    }
    await this.audit.record({
      event: 'password.reset_requested',
      outcome: sent ? 'success' : 'failure',
      actor,
      details: { email: normalized, ...(sent ? {} : { reason: 'no_such_user' }) },
    });
  }

  /** Sends `user` a reset link (superseding the previous one); also for administrators. */
  async sendLink(user: UserEntity): Promise<void> {
    const { token } = await this.links.issue('reset_password', {
      userId: user.id,
      email: user.email,
    });
    this.mailer.queue({
      to: user.email,
      kind: 'reset_password',
      input: {
        link: linkUrl(this.config, 'reset_password', token),
        validFor: lifetimeInWords('reset_password'),
      },
    });
  }

  /** The user a reset link is for, if it may be used now. */
  async userOf(token: string): Promise<{ link: EmailLink; user: UserEntity }> {
    const link = await this.verification.usable('reset_password', token);
    const user = await this.owner(link);
    return { link, user };
  }

  /**
   * Sets the new password. The password is checked before the link is used, so a refused
   * password leaves the link working for the next try.
   * @throws UserInputError with the policy's reason; LinkRefused
   */
  async reset(token: string, password: string, actor: Actor): Promise<UserEntity> {
    const { user } = await this.userOf(token);
    const problem = await passwordProblem(password, [user.email, user.name]);
    if (problem) {
      throw new UserInputError(problem);
    }
    const link = await this.verification.consume('reset_password', token, actor);
    const owner = await this.owner(link);
    await this.users.setPassword(owner.id, password);
    // The link reached the address: it is the person's (NIST SP 800-63B §6.1.2.3 treats a
    // reset as re-binding the authenticator through the verified address).
    await this.users.markEmailVerified(owner.id);
    const revoked = await this.access.revokeEverything(
      owner.id,
      { ...actor, id: owner.id },
      'password_reset',
    );
    this.mailer.queue({ to: owner.email, kind: 'password_changed', input: {} });
    await this.audit.record({
      event: 'password.reset',
      outcome: 'success',
      actor: { ...actor, id: owner.id },
      details: { email: owner.email, sessions: revoked.sessions, grants: revoked.grants },
    });
    return owner;
  }

  private async owner(link: EmailLink): Promise<UserEntity> {
    const user = link.userId ? await this.users.findById(link.userId) : null;
    // Sent to an address the user no longer has, or the user is gone or disabled.
    if (!user || user.email !== link.email || user.disabledAt !== null) {
      throw new LinkRefused('reset_password', 'superseded');
    }
    return user;
  }
}
