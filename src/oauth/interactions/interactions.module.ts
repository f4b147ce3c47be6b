import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { CsrfService } from '../../common/csrf.service.js';
import { LoginThrottle } from '../../identity/login-throttle.js';
import { ProviderModule } from '../provider/provider.module.js';
import { InteractionsController } from './interactions.controller.js';

@Module({
  imports: [AuditModule, ProviderModule],
  controllers: [InteractionsController],
  providers: [CsrfService, LoginThrottle],
})
export class InteractionsModule {}
