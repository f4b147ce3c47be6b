import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { GrantsModule } from '../oauth/grants/grants.module.js';
import { ApiDocsController } from './api-docs.controller.js';
import { AccessTokenGuard } from './auth/access-token.guard.js';
import { BearerStrategy } from './auth/bearer.strategy.js';
import { ResourceAuthModule } from './auth/resource-auth.module.js';
import { DriveModule } from './drive/drive.module.js';

/**
 * The resource server: a global, secure-by-default access token guard (opt out with
 * `@Public()`), RFC 6750 answers, and the sample Drive API.
 */
@Module({
  imports: [PassportModule, ResourceAuthModule, DriveModule, GrantsModule],
  controllers: [ApiDocsController],
  providers: [BearerStrategy, { provide: APP_GUARD, useClass: AccessTokenGuard }],
})
export class ResourcesModule {}
