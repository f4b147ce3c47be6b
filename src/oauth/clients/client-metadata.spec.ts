import type { ClientEntity, ClientType } from './client.entity.js';
import { isConfidential, TOKEN_EXCHANGE_GRANT, toProviderMetadata } from './client-metadata.js';

function client(overrides: Partial<ClientEntity> = {}): ClientEntity {
  return {
    id: 'client-123',
    name: 'Example App',
    type: 'web',
    secretHash: null,
    redirectUris: ['https://app.example.com/cb'],
    postLogoutRedirectUris: ['https://app.example.com/bye'],
    scope: 'openid profile',
    introspection: false,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    logoUri: null,
    clientUri: null,
    allowScopeRemoval: true,
    firstParty: false,
    tokenExchangeAudiences: [],
    requireMfa: false,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

describe('isConfidential', () => {
  it.each([
    ['web', true],
    ['spa', false],
    ['native', false],
    ['service', true],
  ] as [ClientType, boolean][])('is %p → %p', (type, confidential) => {
    expect(isConfidential(type)).toBe(confidential);
  });
});

describe('toProviderMetadata', () => {
  describe.each([
    {
      type: 'web',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      application_type: 'web',
    },
    {
      type: 'spa',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'web',
    },
    {
      type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    },
    {
      type: 'service',
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      application_type: 'web',
    },
  ] as const)('for a $type application', (profile) => {
    const metadata = toProviderMetadata(client({ type: profile.type }));

    it(`allows the grant types ${profile.grant_types.join(', ')}`, () => {
      expect(metadata.grant_types).toEqual(profile.grant_types);
    });

    it(`allows the response types [${profile.response_types.join(', ')}]`, () => {
      expect(metadata.response_types).toEqual(profile.response_types);
    });

    it(`authenticates with ${profile.token_endpoint_auth_method}`, () => {
      expect(metadata.token_endpoint_auth_method).toBe(profile.token_endpoint_auth_method);
    });

    it(`has application_type ${profile.application_type}`, () => {
      expect(metadata.application_type).toBe(profile.application_type);
    });

    it('tags the metadata with the Gatehouse client type', () => {
      expect(metadata.gatehouse_client_type).toBe(profile.type);
    });

    it('keeps the client id and name', () => {
      expect(metadata.client_id).toBe('client-123');
      expect(metadata.client_name).toBe('Example App');
    });
  });

  it.each(['web', 'spa', 'native'] as ClientType[])(
    'passes the redirect URIs of a %s application through',
    (type) => {
      const metadata = toProviderMetadata(client({ type }));
      expect(metadata.redirect_uris).toEqual(['https://app.example.com/cb']);
      expect(metadata.post_logout_redirect_uris).toEqual(['https://app.example.com/bye']);
    },
  );

  it('drops the redirect URIs of a service application', () => {
    const metadata = toProviderMetadata(client({ type: 'service' }));
    expect(metadata.redirect_uris).toEqual([]);
    expect(metadata.post_logout_redirect_uris).toEqual([]);
  });

  describe('scopes', () => {
    it('splits identity scopes into scope and drive.* scopes into api_scope', () => {
      const metadata = toProviderMetadata(
        client({ scope: 'openid drive.read profile drive.write email offline_access' }),
      );
      expect(metadata.scope).toBe('openid profile email offline_access');
      expect(metadata.api_scope).toBe('drive.read drive.write');
    });

    it('omits scope when the client has only API scopes', () => {
      const metadata = toProviderMetadata(
        client({ type: 'service', scope: 'drive.read drive.write' }),
      );
      expect(metadata).not.toHaveProperty('scope');
      expect(metadata.api_scope).toBe('drive.read drive.write');
    });

    it('leaves api_scope empty when the client has only identity scopes', () => {
      const metadata = toProviderMetadata(client({ scope: 'openid email' }));
      expect(metadata.scope).toBe('openid email');
      expect(metadata.api_scope).toBe('');
    });

    it('ignores extra whitespace between scopes', () => {
      const metadata = toProviderMetadata(client({ scope: ' openid  drive.read ' }));
      expect(metadata.scope).toBe('openid');
      expect(metadata.api_scope).toBe('drive.read');
    });

    it('handles a client without any scope', () => {
      const metadata = toProviderMetadata(client({ scope: '' }));
      expect(metadata).not.toHaveProperty('scope');
      expect(metadata.api_scope).toBe('');
    });
  });

  describe('client_secret', () => {
    it('holds the stored secret hash when there is one', () => {
      const metadata = toProviderMetadata(client({ secretHash: 'hashed-secret' }));
      expect(metadata.client_secret).toBe('hashed-secret');
    });

    it('is absent for a client without a secret hash', () => {
      expect(toProviderMetadata(client({ type: 'spa', secretHash: null }))).not.toHaveProperty(
        'client_secret',
      );
    });

    it('is absent for an empty secret hash', () => {
      expect(toProviderMetadata(client({ secretHash: '' }))).not.toHaveProperty('client_secret');
    });
  });

  it('carries the previous secret hash only while a rotation keeps it alive', () => {
    expect(
      toProviderMetadata(client({ secretHash: 'new', previousSecretHash: 'old' }))
        .previous_secret_hash,
    ).toBe('old');
    expect(toProviderMetadata(client({ secretHash: 'new' }))).not.toHaveProperty(
      'previous_secret_hash',
    );
  });

  it('carries the logo and homepage when the app has them', () => {
    const metadata = toProviderMetadata(
      client({
        logoUri: 'https://app.example.com/logo.png',
        clientUri: 'https://app.example.com/',
      }),
    );
    expect(metadata.logo_uri).toBe('https://app.example.com/logo.png');
    expect(metadata.client_uri).toBe('https://app.example.com/');
    expect(toProviderMetadata(client())).not.toHaveProperty('logo_uri');
  });

  it('carries the introspection permission', () => {
    expect(toProviderMetadata(client({ introspection: true })).introspection_allowed).toBe(true);
    expect(toProviderMetadata(client({ introspection: false })).introspection_allowed).toBe(false);
  });

  it('produces exactly the expected metadata for a confidential web client', () => {
    expect(
      toProviderMetadata(
        client({ secretHash: 'h', scope: 'openid drive.read', introspection: true }),
      ),
    ).toEqual({
      client_id: 'client-123',
      client_name: 'Example App',
      client_secret: 'h',
      application_type: 'web',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['https://app.example.com/cb'],
      post_logout_redirect_uris: ['https://app.example.com/bye'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid',
      api_scope: 'drive.read',
      gatehouse_client_type: 'web',
      introspection_allowed: true,
      first_party: false,
      token_exchange_audiences: [],
      require_mfa: false,
    });
  });

  it('adds the token exchange grant (RFC 8693) for an app allowed audiences, and only then', () => {
    const api = 'https://id.example.com/api';
    const service = toProviderMetadata(client({ type: 'service', tokenExchangeAudiences: [api] }));
    expect(service.grant_types).toEqual(['client_credentials', TOKEN_EXCHANGE_GRANT]);
    expect(service.token_exchange_audiences).toEqual([api]);
    expect(toProviderMetadata(client({ type: 'service' })).grant_types).toEqual([
      'client_credentials',
    ]);
  });
});
