import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ClientsService } from '../clients/clients.service.js';
import { toProviderMetadata } from '../clients/client-metadata.js';
import { OidcPayloadEntity } from './oidc-payload.entity.js';
import { TypeOrmAdapter, type AdapterOptions } from './typeorm.adapter.js';

/** Reads applications from our own `clients` table; oidc-provider never writes clients. */
class ClientAdapter {
  constructor(private readonly clients: ClientsService) {}

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const client = await this.clients.find(id);
    return client ? toProviderMetadata(client) : undefined;
  }

  upsert(): Promise<void> {
    return Promise.reject(new Error('clients are managed by Gatehouse, not by oidc-provider'));
  }
}

/** Builds the adapter oidc-provider asks for, one per model name. */
@Injectable()
export class AdapterFactory {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clients: ClientsService,
  ) {}

  create(options: AdapterOptions): (name: string) => unknown {
    const repo = this.dataSource.getRepository(OidcPayloadEntity);
    return (name: string) =>
      name === 'Client' ? new ClientAdapter(this.clients) : new TypeOrmAdapter(name, repo, options);
  }
}
