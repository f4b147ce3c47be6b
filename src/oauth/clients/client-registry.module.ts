import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CLIENT_REGISTRY } from '../../tokens/client-registry.js';
import { ClientEntity } from './client.entity.js';
import { ClientStore } from './client.store.js';

/**
 * The `clients` table's store, and the CLIENT_REGISTRY port the token layer asks whether an
 * application still exists. Global because the token layer sits below oauth/ and cannot
 * import it: whoever imports ClientsModule provides the registry to every module.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ClientEntity])],
  providers: [ClientStore, { provide: CLIENT_REGISTRY, useExisting: ClientStore }],
  exports: [ClientStore, CLIENT_REGISTRY],
})
export class ClientRegistryModule {}
