import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccessTokenGuard } from './auth/access-token.guard.js';
import { BearerStrategy } from './auth/bearer.strategy.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { DpopModule } from './auth/dpop.module.js';
import { DriveModule } from './drive/drive.module.js';
import { McpModule } from './mcp/mcp.module.js';
import { ResourceMetadataModule } from './metadata/metadata.module.js';

/**
 * The resource server: a global, secure-by-default access token guard (opt out with
 * `@Public()`), RFC 6750 answers, RFC 9728 metadata of each resource, the sample Drive API and the MCP server that
 * offers it as tools.
 */
@Module({
  imports: [
    PassportModule,
    TokensModule,
    DpopModule,
    DriveModule,
    McpModule,
    ResourceMetadataModule,
  ],
  providers: [BearerStrategy, { provide: APP_GUARD, useClass: AccessTokenGuard }],
})
export class ResourcesModule {}
