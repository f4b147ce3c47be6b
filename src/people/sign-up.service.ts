import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { normalizeEmail, UsersService } from '../identity/users.service.js';
import { ConflictError } from '../common/errors.js';
import type { UserEntity } from '../identity/user.entity.js';
import { Mailer } from '../mail/mailer.service.js';
import { lifetimeInWords } from './email-link-rules.js';
import { EmailLinksStore } from './email-links.store.js';
import { EmailRequestThrottle } from './email-request-throttle.js';
import { EmailVerification, linkUrl } from './email-verification.service.js';

export interface SignUpForm {
  name: string;
  email: string;
  password: string;
}

/**
 * `SIGNUP=open`: anyone creates an account at /signup and confirms the address by link before
 * an application gets tokens for them. A sign-up for an address that has an account looks the
 * same on the page (no account enumeration, OWASP Authentication cheat sheet); the owner is
 * emailed instead, with a way to reset the password.
 */
@Injectable()
export class SignUp {
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
   * @throws UserInputError (the password policy's reason, a bad address) with nothing stored
   * @throws TooManyEmailRequests
   */
  async signUp(form: SignUpForm, actor: Actor): Promise<void> {
    const email = normalizeEmail(form.email);
    await this.throttle.consume(actor.ip, email);
    const existing = await this.users.findByEmail(email);
    if (existing) {
      const { token } = await this.links.issue('reset_password', {
        userId: existing.id,
        email: existing.email,
      });
      this.mailer.queue({
        to: existing.email,
        kind: 'signup_existing',
        input: {
          link: linkUrl(this.config, 'reset_password', token),
          validFor: lifetimeInWords('reset_password'),
        },
      });
      await this.audit.record({
        event: 'user.signed_up',
        outcome: 'failure',
        actor,
        details: { email, reason: 'existing_email' },
      });
      return;
    }
    let user: UserEntity;
    try {
      user = await this.users.create({ email, password: form.password, name: form.name });
    } catch (error) {
      // A sign-up for the same address won the race: the same answer, nothing created twice.
      if (error instanceof ConflictError) {
        await this.audit.record({
          event: 'user.signed_up',
          outcome: 'failure',
          actor,
          details: { email, reason: 'existing_email' },
        });
        return;
      }
      throw error;
    }
    await this.audit.record({
      event: 'user.signed_up',
      outcome: 'success',
      actor: { ...actor, id: user.id },
      details: { email },
    });
    await this.verification.sendVerification(user, { ...actor, id: user.id }, false);
  }
}
