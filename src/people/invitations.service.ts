import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { Actor } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { ConflictError, UserInputError } from '../common/errors.js';
import { parseInput } from '../common/parse-input.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { passwordProblem } from '../identity/password-policy.js';
import type { UserEntity } from '../identity/user.entity.js';
import { normalizeEmail, UsersService } from '../identity/users.service.js';
import { Mailer } from '../mail/mailer.service.js';
import { lifetimeInWords } from './email-link-rules.js';
import { type EmailLink, EmailLinksStore } from './email-links.store.js';
import { EmailRequestThrottle } from './email-request-throttle.js';
import { EmailVerification, linkUrl } from './email-verification.service.js';
import { LinkRefused } from './link-refused.js';

/** An invitation as the API and the CLI take it. */
export const invitationSchema = z
  .object({
    email: z.email('email must be a valid address').max(320),
    name: z.string().trim().min(1).max(200).optional(),
    admin: z.boolean().optional(),
  })
  .strict();

export type NewInvitation = z.infer<typeof invitationSchema>;

export interface SentInvitation {
  email: string;
  /** The invitation link: the CLI prints it (its operator could create the user anyway). */
  link: string;
  expiresAt: Date;
}

/**
 * Invitations: an administrator (page, API or CLI) invites an address; its link lets the person
 * choose a name and password. Accepting proves the address, so it counts as verified. A new
 * invitation to the same address supersedes the previous one.
 */
@Injectable()
export class Invitations {
  constructor(
    private readonly users: UsersService,
    private readonly links: EmailLinksStore,
    private readonly verification: EmailVerification,
    private readonly mailer: Mailer,
    private readonly throttle: EmailRequestThrottle,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * @throws InvalidInput; ConflictError when the address has an account; TooManyEmailRequests
   */
  async invite(input: unknown, actor: Actor): Promise<SentInvitation> {
    const invitation = parseInput(invitationSchema, input);
    const email = normalizeEmail(invitation.email);
    if (await this.users.findByEmail(email)) {
      throw new ConflictError(`a user with email ${email} already exists`);
    }
    await this.throttle.consume(actor.ip, email);
    const { token, expiresAt } = await this.links.issue(
      'invitation',
      { email },
      { name: invitation.name ?? null, admin: invitation.admin ?? false },
    );
    const link = linkUrl(this.config, 'invitation', token);
    this.mailer.queue({
      to: email,
      kind: 'invitation',
      input: { link, validFor: lifetimeInWords('invitation') },
    });
    await this.audit.record({
      event: 'invitation.sent',
      outcome: 'success',
      actor,
      details: { email, admin: invitation.admin ?? false },
    });
    return { email, link, expiresAt: new Date(expiresAt) };
  }

  /** The invitation a token names, if it may be accepted now. */
  usable(token: string): Promise<EmailLink> {
    return this.verification.usable('invitation', token);
  }

  /**
   * Creates the account. The password is checked before the link is used.
   * @throws UserInputError; LinkRefused
   */
  async accept(
    token: string,
    form: { name: string; password: string },
    actor: Actor,
  ): Promise<UserEntity> {
    const invitation = await this.usable(token);
    const problem = await passwordProblem(form.password, [invitation.email, form.name]);
    if (problem) {
      throw new UserInputError(problem);
    }
    if (await this.users.findByEmail(invitation.email)) {
      throw new LinkRefused('invitation', 'used');
    }
    const link = await this.verification.consume('invitation', token, actor);
    const user = await this.users.create({
      email: link.email,
      name: form.name,
      password: form.password,
      admin: link.data.admin === true,
      emailVerified: true,
    });
    await this.audit.record({
      event: 'invitation.accepted',
      outcome: 'success',
      actor: { ...actor, id: user.id },
      details: { email: user.email, admin: user.isAdmin },
    });
    return user;
  }
}
