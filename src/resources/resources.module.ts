import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccessTokenGuard } from './auth/access-token.guard.js';
import { BearerStrategy } from './auth/bearer.strategy.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { DpopModule } from './auth/dpop.module.js';
import { DriveModule } from './drive/drive.module.js';

/**
 * The resource server: a global, secure-by-default access token guard (opt out with
 * `@Public()`), RFC 6750 answers, and the sample Drive API.
 */
@Module({
  imports: [PassportModule, TokensModule, DpopModule, DriveModule],
  providers: [BearerStrategy, { provide: APP_GUARD, useClass: AccessTokenGuard }],
})
export class ResourcesModule {}
