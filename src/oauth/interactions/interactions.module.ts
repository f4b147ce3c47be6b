import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { CsrfService } from '../../common/csrf.service.js';
import { LoginThrottle } from '../../identity/login-throttle.js';
import { PasskeysModule } from '../../identity/passkeys/passkeys.module.js';
import { ProviderModule } from '../provider/provider.module.js';
import { InteractionsController } from './interactions.controller.js';
import { PasskeySignInController } from './passkey-sign-in.controller.js';

@Module({
  imports: [AuditModule, PasskeysModule, ProviderModule],
  controllers: [InteractionsController, PasskeySignInController],
  providers: [CsrfService, LoginThrottle],
})
export class InteractionsModule {}
