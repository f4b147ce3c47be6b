import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { RevocationsModule } from '../revocations/revocations.module.js';
import { GrantUsage } from './grant-usage.service.js';
import { GrantsService } from './grants.service.js';

@Module({
  imports: [AuditModule, RevocationsModule],
  providers: [GrantsService, GrantUsage],
  exports: [GrantsService, GrantUsage],
})
export class GrantsModule {}
