import { Controller, Get, Inject, NotFoundException, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../common/public.decorator.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import {
  type ProtectedResource,
  RESOURCE_LIST,
  resourceIndicator,
} from '../../tokens/resources.js';
import { DPOP_ALGORITHMS } from '../auth/dpop-proof.js';

/** RFC 9728 §3: the well-known URI suffix, before the resource's own path (§3.1). */
export const METADATA_PREFIX = '/.well-known/oauth-protected-resource';

/** RFC 9728 §2: what a client learns of a resource before it has a token for it. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
  bearer_methods_supported: string[];
  dpop_signing_alg_values_supported: string[];
  resource_name: string;
  resource_documentation: string;
}

/** The metadata document of `resource` on the server whose issuer is `issuer`. */
export function protectedResourceMetadata(
  issuer: string,
  resource: ProtectedResource,
): ProtectedResourceMetadata {
  return {
    resource: resourceIndicator(issuer, resource),
    // RFC 9728 §2: the issuer identifiers of the authorization servers; ours is the only one.
    authorization_servers: [issuer],
    scopes_supported: [...resource.scopes],
    bearer_methods_supported: [...resource.bearerMethods],
    dpop_signing_alg_values_supported: DPOP_ALGORITHMS,
    resource_name: resource.name,
    resource_documentation: new URL(resource.documentation, `${issuer}/`).href,
  };
}

/**
 * Protected resource metadata (RFC 9728) of every registered resource, at §3.1's location:
 * `/.well-known/oauth-protected-resource/api` for `${ISSUER}/api`, `.../mcp` for the MCP
 * server. Public: it is what a client reads to find out where to get a token.
 */
@Public()
@ApiExcludeController()
@Controller(METADATA_PREFIX.slice(1))
export class ProtectedResourceMetadataController {
  private readonly documents: Map<string, ProtectedResourceMetadata>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.documents = new Map(
      RESOURCE_LIST.map((resource) => [
        `${METADATA_PREFIX}${resource.path}`,
        protectedResourceMetadata(config.issuer, resource),
      ]),
    );
  }

  @Get('*')
  metadata(@Req() request: FastifyRequest): ProtectedResourceMetadata {
    const document = this.documents.get(request.url.split('?')[0]);
    if (!document) {
      throw new NotFoundException('No protected resource is served there');
    }
    return document;
  }
}
