import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { Sql } from '../../database/sql.js';
import type { ClientRegistry } from '../../tokens/client-registry.js';
import { ClientEntity } from './client.entity.js';

/** A `clients` row as the engine's hot path reads it (BIGINT may arrive as a string). */
export interface ClientRow {
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
  /** JSON list of resource indicators. */
  token_exchange_audiences: string;
  require_mfa: boolean | number;
}

/**
 * The one owner of the `clients` table. Management (register, rotate, delete) goes through the
 * TypeORM repository; what every authenticated request needs (the client by id, the SPA
 * origins for CORS) is plain SQL, and never cached: a rotated secret or a deleted app
 * (possibly changed by the CLI in another process) takes effect at once.
 */
@Injectable()
export class ClientStore implements ClientRegistry {
  private readonly repository: Repository<ClientEntity>;
  private readonly sql: Sql;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repository = dataSource.getRepository(ClientEntity);
    this.sql = new Sql(dataSource);
  }

  /** A new, unsaved entity (defaults applied). */
  build(fields: Partial<ClientEntity>): ClientEntity {
    return this.repository.create(fields);
  }

  async insert(client: ClientEntity): Promise<void> {
    await this.repository.insert(client);
  }

  find(id: string): Promise<ClientEntity | null> {
    return this.repository.findOneBy({ id });
  }

  list(): Promise<ClientEntity[]> {
    return this.repository.find({ order: { createdAt: 'ASC', name: 'ASC' } });
  }

  async update(id: string, fields: Partial<ClientEntity>): Promise<void> {
    await this.repository.update({ id }, fields);
  }

  async delete(id: string): Promise<void> {
    await this.repository.delete({ id });
  }

  /** The hot-path read of one application, for oidc-provider's Client model. */
  async findRow(id: string): Promise<ClientRow | undefined> {
    const [row] = await this.sql.query<ClientRow>(
      `SELECT id, name, type, secret_hash, redirect_uris, post_logout_redirect_uris, scope,
              introspection, previous_secret_hash, previous_secret_expires_at, logo_uri,
              client_uri, first_party, token_exchange_audiences, require_mfa
       FROM clients WHERE id = ?`,
      [id],
    );
    return row;
  }

  /** Every origin of a registered SPA's redirect URIs: where browser apps may call from. */
  async spaOrigins(): Promise<Set<string>> {
    const rows = await this.sql.query<{ redirect_uris: string }>(
      "SELECT redirect_uris FROM clients WHERE type = 'spa'",
    );
    return new Set(
      rows.flatMap((row) =>
        (JSON.parse(row.redirect_uris) as string[]).map((uri) => new URL(uri).origin),
      ),
    );
  }

  async isRegistered(clientId: string): Promise<boolean> {
    const rows = await this.sql.query('SELECT 1 FROM clients WHERE id = ?', [clientId]);
    return rows.length > 0;
  }

  /** Which of these ids are registered applications. */
  async existing(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) {
      return new Set();
    }
    const rows = await this.sql.query<{ id: string }>(
      `SELECT id FROM clients WHERE id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    return new Set(rows.map((row) => row.id));
  }
}
