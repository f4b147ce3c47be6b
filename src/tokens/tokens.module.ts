import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '../identity/identity.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { AccessTokenVerifier } from './access-token-verifier.service.js';
import { GrantUsage } from './grant-usage.service.js';
import { OidcPayloadEntity } from './oidc-payload.entity.js';
import { OidcPayloadStore } from './oidc-payload.store.js';
import { PersonalAccessTokenStore } from './personal-access-token.store.js';
import { RevocationList } from './revocation-list.js';

/**
 * The token layer, below both servers: access-token verification (JWT, opaque, personal) for the
 * resource guard and the introspection endpoint, and the revocation list that the authorization
 * server writes and both read, when each authorization was last used, and the stores of the
 * tables tokens live in. Applications are the authorization server's: it provides the
 * CLIENT_REGISTRY this layer asks (see oauth/clients/client-registry.module.ts).
 */
@Module({
  imports: [IdentityModule, KeysModule, TypeOrmModule.forFeature([OidcPayloadEntity])],
  providers: [
    AccessTokenVerifier,
    RevocationList,
    GrantUsage,
    OidcPayloadStore,
    PersonalAccessTokenStore,
  ],
  exports: [
    AccessTokenVerifier,
    RevocationList,
    GrantUsage,
    OidcPayloadStore,
    PersonalAccessTokenStore,
  ],
})
export class TokensModule {}
