import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module.js';
import { AccessTokenVerifier } from './access-token-verifier.service.js';
import { GrantUsage } from './grant-usage.service.js';
import { RevocationList } from './revocation-list.js';

/**
 * The token layer, below both servers: access-token verification (JWT, opaque, personal) for the
 * resource guard and the introspection endpoint, and the revocation list that the authorization
 * server writes and both read, and when each authorization was last used.
 */
@Module({
  imports: [KeysModule],
  providers: [AccessTokenVerifier, RevocationList, GrantUsage],
  exports: [AccessTokenVerifier, RevocationList, GrantUsage],
})
export class TokensModule {}
