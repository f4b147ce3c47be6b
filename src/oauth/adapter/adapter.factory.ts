import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Sql } from '../../database/sql.js';
import type { ClientEntity } from '../clients/client.entity.js';
import { toProviderMetadata } from '../clients/client-metadata.js';
import { TypeOrmAdapter, type AdapterOptions } from './typeorm.adapter.js';

interface ClientRow {
  id: string;
  name: string;
  type: ClientEntity['type'];
  secret_hash: string | null;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  scope: string;
  introspection: boolean | number;
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | string | null;
  logo_uri: string | null;
  client_uri: string | null;
  first_party: boolean | number;
}

/**
 * Reads applications from our own `clients` table; oidc-provider never writes clients. Every
 * authenticated request looks its client up, and no copy is cached: a rotated secret or a
 * deleted app (possibly changed by the CLI in another process) must take effect at once.
 */
class ClientAdapter {
  constructor(private readonly sql: Sql) {}

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const [row] = await this.sql.query<ClientRow>(
      `SELECT id, name, type, secret_hash, redirect_uris, post_logout_redirect_uris, scope,
              introspection, previous_secret_hash, previous_secret_expires_at, logo_uri,
              client_uri, first_party
       FROM clients WHERE id = ?`,
      [id],
    );
    if (!row) {
      return undefined;
    }
    return toProviderMetadata({
      id: row.id,
      name: row.name,
      type: row.type,
      secretHash: row.secret_hash,
      redirectUris: JSON.parse(row.redirect_uris) as string[],
      postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris) as string[],
      scope: row.scope,
      introspection: Boolean(row.introspection),
      // A rotated-out secret counts only while its grace period lasts.
      previousSecretHash:
        row.previous_secret_hash && Number(row.previous_secret_expires_at) > Date.now()
          ? row.previous_secret_hash
          : null,
      logoUri: row.logo_uri,
      clientUri: row.client_uri,
      firstParty: Boolean(row.first_party),
    });
  }

  upsert(): Promise<void> {
    return Promise.reject(new Error('clients are managed by Gatehouse, not by oidc-provider'));
  }
}

/** Builds the adapter oidc-provider asks for, one per model name. */
@Injectable()
export class AdapterFactory {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  create(options: AdapterOptions): (name: string) => unknown {
    const sql = new Sql(this.dataSource);
    return (name: string) =>
      name === 'Client' ? new ClientAdapter(sql) : new TypeOrmAdapter(name, sql, options);
  }
}
