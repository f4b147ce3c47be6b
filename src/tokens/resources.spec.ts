import {
  PROTECTED_RESOURCES,
  RESOURCE_LIST,
  resourceByIndicator,
  resourceForPath,
  resourceIndicators,
  resourceMetadataUrl,
} from './resources.js';
import { API_SCOPES } from './scopes.js';

const ISSUER = 'https://id.example.com';

describe('the resource registry', () => {
  it('has the API and the MCP server, each with its own indicator (RFC 8707)', () => {
    expect(resourceIndicators(ISSUER)).toEqual([`${ISSUER}/api`, `${ISSUER}/mcp`]);
    expect(resourceByIndicator(ISSUER, `${ISSUER}/mcp`)).toBe(PROTECTED_RESOURCES.mcp);
    expect(resourceByIndicator(ISSUER, `${ISSUER}/mcp/`)).toBeUndefined();
    expect(resourceByIndicator(ISSUER, 'https://other.example.com/api')).toBeUndefined();
  });

  it('places metadata at the RFC 9728 §3.1 location: the well-known suffix before the path', () => {
    expect(resourceMetadataUrl(ISSUER, PROTECTED_RESOURCES.api)).toBe(
      `${ISSUER}/.well-known/oauth-protected-resource/api`,
    );
  });

  it.each([
    ['/api/drive/files/:id', '/api'],
    ['/api', '/api'],
    ['/mcp', '/mcp'],
    ['/mcp?x=1', '/mcp'],
    ['/mcpx', undefined],
    ['/apis/x', undefined],
    ['/account', undefined],
  ])('finds the resource of %s', (path, expected) => {
    expect(resourceForPath(path)?.path).toBe(expected);
  });

  it('every resource scope is an API scope (clients are registered for them as such)', () => {
    const scopes = new Set(RESOURCE_LIST.flatMap((resource) => resource.scopes));
    expect([...scopes].every((scope) => API_SCOPES.includes(scope))).toBe(true);
    expect(API_SCOPES.every((scope) => scopes.has(scope))).toBe(true);
  });
});
