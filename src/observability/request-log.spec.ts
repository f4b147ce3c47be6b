import type { FastifyRequest } from 'fastify';
import { loggedRoute, routeClass } from './request-log.js';

function request(url: string, pattern?: string): FastifyRequest {
  return { raw: { url }, routeOptions: { url: pattern } } as unknown as FastifyRequest;
}

describe('loggedRoute', () => {
  it('uses the route pattern when Fastify matched one', () => {
    expect(loggedRoute(request('/interaction/Abc123def456ghi789', '/interaction/:uid'))).toBe(
      '/interaction/:uid',
    );
  });

  it('masks identifiers in the engine paths and drops the query', () => {
    expect(loggedRoute(request('/oauth/session/end/confirm?x=1'))).toBe(
      '/oauth/session/end/confirm',
    );
    expect(loggedRoute(request('/oauth/auth/Q2xpZW50SWQ_xyz12345?code=secret'))).toBe(
      '/oauth/auth/:id',
    );
    expect(loggedRoute(request('/oauth/device/abcdefghijklmnop1'))).toBe('/oauth/device/:id');
  });

  it('keeps long words readable', () => {
    expect(loggedRoute(request('/.well-known/openid-configuration'))).toBe(
      '/.well-known/openid-configuration',
    );
    expect(loggedRoute(request('/.well-known/oauth-authorization-server'))).toBe(
      '/.well-known/oauth-authorization-server',
    );
  });
});

describe('routeClass', () => {
  it('classifies paths', () => {
    expect(routeClass('/.well-known/openid-configuration')).toBe('oauth');
    expect(routeClass('/api/drive/files')).toBe('api');
    expect(routeClass('/health/ready')).toBe('health');
    expect(routeClass('/metrics')).toBe('metrics');
    expect(routeClass('/assets/style.css')).toBe('asset');
    expect(routeClass('/account')).toBe('page');
  });
});
