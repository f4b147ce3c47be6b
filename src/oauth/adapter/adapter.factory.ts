import { Injectable } from '@nestjs/common';
import { OidcPayloadStore } from '../../tokens/oidc-payload.store.js';
import { toProviderMetadata } from '../clients/client-metadata.js';
import { ClientStore } from '../clients/client.store.js';
import { TypeOrmAdapter, type AdapterOptions } from './typeorm.adapter.js';

/**
 * Reads applications from our own `clients` table; oidc-provider never writes clients. Every
 * authenticated request looks its client up, uncached (see ClientStore).
 */
class ClientAdapter {
  constructor(private readonly clients: ClientStore) {}

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.clients.findRow(id);
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
      tokenExchangeAudiences: JSON.parse(row.token_exchange_audiences) as string[],
      requireMfa: Boolean(row.require_mfa),
    });
  }

  upsert(): Promise<void> {
    return Promise.reject(new Error('clients are managed by Gatehouse, not by oidc-provider'));
  }
}

/** Builds the adapter oidc-provider asks for, one per model name. */
@Injectable()
export class AdapterFactory {
  constructor(
    private readonly payloads: OidcPayloadStore,
    private readonly clients: ClientStore,
  ) {}

  create(options: AdapterOptions): (name: string) => unknown {
    return (name: string) =>
      name === 'Client'
        ? new ClientAdapter(this.clients)
        : new TypeOrmAdapter(name, this.payloads, options);
  }
}
