import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { CsrfService } from '../../common/csrf.service.js';
import { LoginThrottle } from '../../identity/login-throttle.js';
import { PasskeysModule } from '../../identity/passkeys/passkeys.module.js';
import { ProviderModule } from '../provider/provider.module.js';
import { MailModule } from '../../mail/mail.module.js';
import { InteractionsController } from './interactions.controller.js';
import { PasskeySignInController } from './passkey-sign-in.controller.js';
import { SecondFactorController } from './second-factor.controller.js';
import { SecondFactorStep } from './second-factor-step.js';

@Module({
  imports: [AuditModule, PasskeysModule, ProviderModule, MailModule],
  controllers: [InteractionsController, PasskeySignInController, SecondFactorController],
  providers: [CsrfService, LoginThrottle, SecondFactorStep],
})
export class InteractionsModule {}
