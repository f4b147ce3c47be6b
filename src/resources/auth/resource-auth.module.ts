import { Module } from '@nestjs/common';
import { KeysModule } from '../../keys/keys.module.js';
import { RevocationsModule } from '../../oauth/revocations/revocations.module.js';
import { AccessTokenVerifier } from './access-token-verifier.service.js';

/** Access token verification, shared by the resource guard and the introspection endpoint. */
@Module({
  imports: [KeysModule, RevocationsModule],
  providers: [AccessTokenVerifier],
  exports: [AccessTokenVerifier, RevocationsModule],
})
export class ResourceAuthModule {}
