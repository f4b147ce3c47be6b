import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { TokensModule } from '../../tokens/tokens.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { GrantsService } from './grants.service.js';

@Module({
  imports: [AuditModule, TokensModule, ClientsModule],
  providers: [GrantsService],
  exports: [GrantsService, TokensModule],
})
export class GrantsModule {}
