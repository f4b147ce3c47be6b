import type { ClientEntity } from './client.entity.js';

/**
 * An application as the CLI and the admin API show it: never its secret or a hash of it; the
 * end of the previous secret's grace period while there is one.
 */
export function describeClient(client: ClientEntity, now = Date.now()) {
  return {
    client_id: client.id,
    name: client.name,
    type: client.type,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    scope: client.scope,
    introspection: client.introspection,
    logo_uri: client.logoUri,
    client_uri: client.clientUri,
    allow_scope_removal: client.allowScopeRemoval,
    first_party: client.firstParty,
    token_exchange_audiences: client.tokenExchangeAudiences,
    require_mfa: client.requireMfa,
    previous_secret_expires_at:
      client.previousSecretExpiresAt && client.previousSecretExpiresAt > now
        ? new Date(client.previousSecretExpiresAt).toISOString()
        : null,
    created_at: client.createdAt.toISOString(),
  };
}

export type ClientView = ReturnType<typeof describeClient>;
