import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { MailModule } from '../mail/mail.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { EmailLinksStore } from './email-links.store.js';
import { EmailRequestThrottle } from './email-request-throttle.js';
import { EmailVerification } from './email-verification.service.js';
import { Invitations } from './invitations.service.js';
import { PasswordReset } from './password-reset.service.js';
import { SignUp } from './sign-up.service.js';
import { SecondFactorChanges } from './second-factor-changes.service.js';
import { SessionActivity } from './session-activity.service.js';
import { SessionActivityStore } from './session-activity.store.js';
import { UserAccess } from './user-access.service.js';
import { UserLifecycle } from './user-lifecycle.service.js';

/**
 * The lifecycle's services without pages or the protocol engine, so the CLI (users:invite,
 * tokens:purge purging email_links) uses them as the server does.
 */
@Module({
  imports: [AuditModule, IdentityModule, TokensModule, MailModule],
  providers: [
    UserAccess,
    EmailLinksStore,
    EmailRequestThrottle,
    EmailVerification,
    SignUp,
    PasswordReset,
    Invitations,
    UserLifecycle,
    SessionActivity,
    SessionActivityStore,
    SecondFactorChanges,
  ],
  exports: [
    SecondFactorChanges,
    UserAccess,
    UserLifecycle,
    SessionActivity,
    EmailVerification,
    SignUp,
    PasswordReset,
    Invitations,
    MailModule,
  ],
})
export class PeopleServicesModule {}
