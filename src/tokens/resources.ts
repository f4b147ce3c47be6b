import type { Scope } from './scopes.js';

/**
 * A protected resource Gatehouse serves: a path of its own, the audience of the access tokens
 * it accepts (RFC 8707: `${ISSUER}${path}`), and what its RFC 9728 metadata says of it.
 */
export interface ProtectedResource {
  /** Where it is served, e.g. `/api`: every route under it belongs to it. */
  path: `/${string}`;
  /** `resource_name` (RFC 9728 §2): a human-readable name. */
  name: string;
  /** Its scopes, all in the scope registry (`scopes.ts`); `scopes_supported` lists them. */
  scopes: readonly Scope[];
  /** `resource_documentation` (RFC 9728 §2): a path on this server, or an absolute URL. */
  documentation: string;
  /**
   * `bearer_methods_supported` (RFC 9728 §2, RFC 6750 §2): the guard reads the header, and a
   * form body on requests that have one; never the query.
   */
  bearerMethods: readonly ('header' | 'body')[];
}

/**
 * The resource registry: every resource Gatehouse serves. The authorization server issues
 * tokens for these resource indicators only (anything else is `invalid_target`), each with its
 * own audience and scopes; the resource guard accepts at a route only tokens for the resource
 * the route is under; each has its metadata at `/.well-known/oauth-protected-resource<path>`.
 *
 * A team's own resource is one more entry here (its scopes in SCOPES), and its controllers live
 * under its path; see the README, "Your own resource".
 */
export const PROTECTED_RESOURCES = {
  api: {
    path: '/api',
    name: 'Gatehouse API',
    scopes: ['drive.read', 'drive.write', 'admin'],
    documentation: '/api/docs',
    bearerMethods: ['header', 'body'],
  },
  mcp: {
    path: '/mcp',
    name: 'Gatehouse Drive (MCP server)',
    scopes: ['drive.read', 'drive.write'],
    // Its tools are the Drive's operations, documented there.
    documentation: '/api/docs',
    // MCP requests are JSON: the token goes in the header (MCP authorization, "Token Usage").
    bearerMethods: ['header'],
  },
} as const satisfies Record<string, ProtectedResource>;

export type ResourceId = keyof typeof PROTECTED_RESOURCES;

/** Every registered resource, the API first. */
export const RESOURCE_LIST: readonly ProtectedResource[] = Object.values(PROTECTED_RESOURCES);

/** The resource indicator (RFC 8707 §2) and token audience of `resource`. */
export function resourceIndicator(issuer: string, resource: ProtectedResource): string {
  return `${issuer}${resource.path}`;
}

/** Every resource indicator this server issues tokens for. */
export function resourceIndicators(issuer: string): string[] {
  return RESOURCE_LIST.map((resource) => resourceIndicator(issuer, resource));
}

/** The registered resource whose indicator is `indicator`, if any. */
export function resourceByIndicator(
  issuer: string,
  indicator: string,
): ProtectedResource | undefined {
  return RESOURCE_LIST.find((resource) => resourceIndicator(issuer, resource) === indicator);
}

/**
 * The resource a request path is under (the longest registered path that is the path or one of
 * its parents: `/mcp` and `/mcp/...`, never `/mcpx`), if any.
 */
export function resourceForPath(path: string): ProtectedResource | undefined {
  const bare = path.split('?')[0];
  let found: ProtectedResource | undefined;
  for (const resource of RESOURCE_LIST) {
    const under = bare === resource.path || bare.startsWith(`${resource.path}/`);
    if (under && (!found || resource.path.length > found.path.length)) {
      found = resource;
    }
  }
  return found;
}

/** RFC 9728 §3.1: the metadata URL of a resource: the well-known suffix before its path. */
export function resourceMetadataUrl(issuer: string, resource: ProtectedResource): string {
  return `${issuer}/.well-known/oauth-protected-resource${resource.path}`;
}
