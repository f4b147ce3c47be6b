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
import { UserAccess } from './user-access.service.js';

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
  ],
  exports: [UserAccess, EmailVerification, SignUp, PasswordReset, Invitations, MailModule],
})
export class PeopleServicesModule {}
