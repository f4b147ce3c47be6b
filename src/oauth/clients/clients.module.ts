import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { TokensModule } from '../../tokens/tokens.module.js';
import { ClientRegistryModule } from './client-registry.module.js';
import { ClientsService } from './clients.service.js';

@Module({
  imports: [AuditModule, TokensModule, ClientRegistryModule],
  providers: [ClientsService],
  exports: [ClientsService, ClientRegistryModule],
})
export class ClientsModule {}
