import { Module } from '@nestjs/common';
import { CsrfService } from '../common/csrf.service.js';
import { ProviderModule } from '../oauth/provider/provider.module.js';
import { EmailChangeController } from './email-change.controller.js';
import { InvitationsController } from './invitations.controller.js';
import { PasswordResetController } from './password-reset.controller.js';
import { PeopleServicesModule } from './people-services.module.js';
import { SignUpController } from './sign-up.controller.js';
import { VerificationInteractionController } from './verification-interaction.controller.js';

/**
 * The lifecycle of the people who sign in: what orchestrates identity (users), the token layer
 * (sessions, grants, tokens) and mail — sign-up, invitations, verification, password reset,
 * disabling and deleting — and the pages of the emailed links.
 */
@Module({
  imports: [PeopleServicesModule, ProviderModule],
  controllers: [
    SignUpController,
    PasswordResetController,
    InvitationsController,
    EmailChangeController,
    VerificationInteractionController,
  ],
  providers: [CsrfService],
  exports: [PeopleServicesModule],
})
export class PeopleModule {}
