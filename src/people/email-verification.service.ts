import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { UserEntity } from '../identity/user.entity.js';
import { UsersService } from '../identity/users.service.js';
import { Mailer } from '../mail/mailer.service.js';
import { lifetimeInWords, LINK_PATHS, type LinkPurpose } from './email-link-rules.js';
import { type EmailLink, EmailLinksStore } from './email-links.store.js';
import { EmailRequestThrottle } from './email-request-throttle.js';
import { LinkRefused } from './link-refused.js';

/** The URL of a link of `purpose` with its token. */
export function linkUrl(config: Pick<AppConfig, 'issuer'>, purpose: LinkPurpose, token: string) {
  return `${config.issuer}${LINK_PATHS[purpose]}${token}`;
}

/**
 * Proving an address: the verification link after sign-up (or asked for again), and moving an
 * account to a new address, which must confirm by link while the old one is told. Also the
 * checks every link page makes before it shows a form.
 */
@Injectable()
export class EmailVerification {
  constructor(
    private readonly links: EmailLinksStore,
    private readonly users: UsersService,
    private readonly mailer: Mailer,
    private readonly throttle: EmailRequestThrottle,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Sends `user` a new verification link (superseding the previous one). `throttled`: a
   * request a person made (resend), counted against the limits; sign-up counts on its own.
   */
  async sendVerification(user: UserEntity, actor: Actor, throttled = true): Promise<void> {
    if (throttled) {
      await this.throttle.consume(actor.ip, user.email);
    }
    const { token } = await this.links.issue('verify_email', {
      userId: user.id,
      email: user.email,
    });
    this.mailer.queue({
      to: user.email,
      kind: 'verify_email',
      input: {
        link: linkUrl(this.config, 'verify_email', token),
        validFor: lifetimeInWords('verify_email'),
      },
    });
    await this.audit.record({
      event: 'email.verification_sent',
      outcome: 'success',
      actor,
      details: { account_id: user.id, email: user.email },
    });
  }

  /** The link a token names if it may be used now (to show its page), else LinkRefused. */
  async usable(purpose: LinkPurpose, token: string): Promise<EmailLink> {
    const found = await this.links.find(purpose, token);
    if (!found) {
      throw new LinkRefused(purpose, 'unknown');
    }
    if (found.state !== 'valid') {
      throw new LinkRefused(purpose, found.state);
    }
    return found.link;
  }

  /**
   * Uses a link once: LinkRefused if it may not (or a concurrent request used it first). The
   * refusal is audited; nothing else happens.
   */
  async consume(purpose: LinkPurpose, token: string, actor: Actor): Promise<EmailLink> {
    const link = await this.links.consume(purpose, token);
    if (link) {
      return link;
    }
    const found = await this.links.find(purpose, token);
    const reason = !found ? 'unknown' : found.state === 'valid' ? 'used' : found.state;
    await this.audit.record({
      event: 'email_link.refused',
      outcome: 'failure',
      actor,
      details: { purpose, reason, ...(found ? { email: found.link.email } : {}) },
    });
    throw new LinkRefused(purpose, reason);
  }

  /** Confirms the address a verification link was sent to. */
  async confirm(token: string, actor: Actor): Promise<UserEntity> {
    const link = await this.consume('verify_email', token, actor);
    const user = link.userId ? await this.users.findById(link.userId) : null;
    // The user moved to another address since: this link proves nothing about the new one.
    if (!user || user.email !== link.email) {
      throw new LinkRefused('verify_email', 'superseded');
    }
    await this.users.markEmailVerified(user.id);
    await this.audit.record({
      event: 'email.verified',
      outcome: 'success',
      actor: { ...actor, id: user.id },
      details: { email: user.email },
    });
    return user;
  }

  /** Sends a confirmation link to the new address; the account keeps its address until then. */
  async requestChange(user: UserEntity, newEmail: string, actor: Actor): Promise<void> {
    await this.throttle.consume(actor.ip, newEmail);
    const taken = await this.users.findByEmail(newEmail);
    await this.audit.record({
      event: 'email.change_requested',
      outcome: 'success',
      actor,
      details: { account_id: user.id, email: user.email, new_email: newEmail },
    });
    // Whether another account has the address is not the requester's to learn: a link
    // that cannot be used later says so, to the owner of the new address only.
    if (taken) {
      return;
    }
    const { token } = await this.links.issue(
      'change_email',
      { userId: user.id, email: newEmail },
      { from: user.email },
    );
    this.mailer.queue({
      to: newEmail,
      kind: 'change_email',
      input: {
        link: linkUrl(this.config, 'change_email', token),
        validFor: lifetimeInWords('change_email'),
      },
    });
  }

  /** Moves the account to the address the link was sent to, and tells the old one. */
  async confirmChange(token: string, actor: Actor): Promise<UserEntity> {
    const link = await this.consume('change_email', token, actor);
    const user = link.userId ? await this.users.findById(link.userId) : null;
    if (!user) {
      throw new LinkRefused('change_email', 'unknown');
    }
    const oldEmail = user.email;
    await this.users.changeEmail(user.id, link.email);
    this.mailer.queue({ to: oldEmail, kind: 'email_changed', input: { newEmail: link.email } });
    await this.audit.record({
      event: 'email.changed',
      outcome: 'success',
      actor: { ...actor, id: user.id },
      details: { email: link.email, previous_email: oldEmail },
    });
    return (await this.users.findById(user.id))!;
  }
}
