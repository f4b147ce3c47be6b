import type { FastifyCorsOptions } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import { resourceForPath } from '../../tokens/resources.js';
import { METADATA_PREFIX } from '../metadata/protected-resource-metadata.controller.js';

/** What a browser app may send to the resources: the token, its DPoP proof, a JSON body. */
const ALLOWED_HEADERS = ['authorization', 'dpop', 'content-type'];
/**
 * The MCP client sends the protocol version it speaks on every request after the first
 * (Streamable HTTP, "Protocol Version Header").
 */
const MCP_HEADERS = [...ALLOWED_HEADERS, 'mcp-protocol-version'];
/** What it may read of an answer: the challenge (RFC 6750 §3) and a DPoP nonce (RFC 9449 §9). */
const EXPOSED_HEADERS = ['WWW-Authenticate', 'DPoP-Nonce'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** How long a browser may remember a preflight's answer, in seconds. */
const MAX_AGE = 600;

const REFUSED: FastifyCorsOptions = { origin: false };
/** Public metadata (RFC 9728 §3): any page may read it, with no credentials. */
const PUBLIC: FastifyCorsOptions = { origin: '*', methods: ['GET'] };

/**
 * CORS of the protected resources (`/api`, `/mcp`, ...) for browser apps: preflights and
 * requests from an origin of a registered SPA's redirect URIs (`spaOrigins`, read per request
 * so a new app works at once) are answered with that origin — never `*` — and the headers a
 * bearer or DPoP call needs; any other origin gets no CORS headers, so the browser keeps the
 * answer from the page. Their metadata documents are public: `*`.
 *
 * An options delegate of `@fastify/cors` (the plugin behind Nest's `enableCors`), run in the
 * `preHandler` hook: on Nest's routes only, never on the engine's (which has its own CORS,
 * corrected in oauth/provider/corrections/cors-for-browser-apps.ts), and before the guard.
 */
export function resourceCors(
  spaOrigins: () => Promise<Set<string>>,
): (request: FastifyRequest) => Promise<FastifyCorsOptions> {
  return async (request) => {
    const path = request.url.split('?')[0];
    if (path === METADATA_PREFIX || path.startsWith(`${METADATA_PREFIX}/`)) {
      return PUBLIC;
    }
    const origin = request.headers.origin;
    const resource = resourceForPath(path);
    if (!origin || !resource || !(await spaOrigins()).has(origin)) {
      return REFUSED;
    }
    return {
      origin,
      methods: METHODS,
      allowedHeaders: resource.path === '/mcp' ? MCP_HEADERS : ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: MAX_AGE,
    };
  };
}
