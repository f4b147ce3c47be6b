import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { RevocationsModule } from '../revocations/revocations.module.js';
import { ClientsService } from './clients.service.js';

@Module({
  imports: [AuditModule, RevocationsModule],
  providers: [ClientsService],
  exports: [ClientsService],
})
export class ClientsModule {}
