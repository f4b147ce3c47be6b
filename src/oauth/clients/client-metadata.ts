import { API_SCOPES, type Scope } from '../../tokens/scopes.js';
import type { ClientEntity, ClientType } from './client.entity.js';

/** The grant types and authentication method each application type gets. */
const PROFILES: Record<
  ClientType,
  { grantTypes: string[]; authMethod: string; applicationType: 'web' | 'native' }
> = {
  web: {
    grantTypes: ['authorization_code', 'refresh_token'],
    authMethod: 'client_secret_basic',
    applicationType: 'web',
  },
  spa: {
    grantTypes: ['authorization_code', 'refresh_token'],
    authMethod: 'none',
    applicationType: 'web',
  },
  native: {
    grantTypes: ['authorization_code', 'refresh_token'],
    authMethod: 'none',
    applicationType: 'native',
  },
  // A TV or CLI without a browser (RFC 8628); public, like native apps: it cannot keep a secret.
  device: {
    grantTypes: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    authMethod: 'none',
    applicationType: 'native',
  },
  service: {
    grantTypes: ['client_credentials'],
    authMethod: 'client_secret_basic',
    applicationType: 'web',
  },
};

/** RFC 8693 §2.1: the grant type of token exchange. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

export function isConfidential(type: ClientType): boolean {
  return PROFILES[type].authMethod !== 'none';
}

/**
 * What oidc-provider needs to know of an application. The client metadata (RFC 7591 §2) it sees
 * holds the secret's hash as `client_secret` (and, during a rotation's grace period, the
 * previous one's as `previous_secret_hash`): `compareClientSecret` is overridden to hash what
 * the client presents, and HMAC-based algorithms that would need the plain secret are off.
 */
export type ClientDefinition = Pick<
  ClientEntity,
  | 'id'
  | 'name'
  | 'type'
  | 'secretHash'
  | 'redirectUris'
  | 'postLogoutRedirectUris'
  | 'scope'
  | 'introspection'
  | 'previousSecretHash'
  | 'logoUri'
  | 'clientUri'
  | 'firstParty'
  | 'tokenExchangeAudiences'
  | 'requireMfa'
>;

export function toProviderMetadata(client: ClientDefinition): Record<string, unknown> {
  const profile = PROFILES[client.type];
  const interactive = profile.grantTypes.includes('authorization_code');
  // oidc-provider checks `scope` against its own (identity) scopes only; the API scopes a client
  // may receive travel separately and are applied by the resource server configuration.
  const scopes = client.scope.split(' ').filter(Boolean);
  const apiScope = scopes.filter((s) => API_SCOPES.includes(s as Scope));
  const identityScope = scopes.filter((s) => !API_SCOPES.includes(s as Scope));
  return {
    client_id: client.id,
    client_name: client.name,
    ...(client.secretHash ? { client_secret: client.secretHash } : {}),
    ...(client.previousSecretHash ? { previous_secret_hash: client.previousSecretHash } : {}),
    ...(client.logoUri ? { logo_uri: client.logoUri } : {}),
    ...(client.clientUri ? { client_uri: client.clientUri } : {}),
    application_type: profile.applicationType,
    // Token exchange only for the applications registered for it (--token-exchange): any other
    // gets unauthorized_client (RFC 6749 §5.2).
    grant_types: client.tokenExchangeAudiences.length
      ? [...profile.grantTypes, TOKEN_EXCHANGE_GRANT]
      : profile.grantTypes,
    response_types: interactive ? ['code'] : [],
    redirect_uris: interactive ? client.redirectUris : [],
    post_logout_redirect_uris: interactive ? client.postLogoutRedirectUris : [],
    token_endpoint_auth_method: profile.authMethod,
    ...(identityScope.length ? { scope: identityScope.join(' ') } : {}),
    api_scope: apiScope.join(' '),
    gatehouse_client_type: client.type,
    introspection_allowed: client.introspection,
    first_party: client.firstParty,
    token_exchange_audiences: client.tokenExchangeAudiences,
    require_mfa: client.requireMfa,
  };
}
