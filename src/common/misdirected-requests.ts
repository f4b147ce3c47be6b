import type { FastifyInstance } from 'fastify';
import { securityHeaders } from './security-headers.js';

/** Probes may address an instance by its own address: the health check publishes no URL. */
const HEALTH = /^\/health(?:[/?]|$)/;

/**
 * Whether `host` (a `Host` or `X-Forwarded-Host` value) names the issuer's host: compared as
 * URLs compare them, so case and the scheme's default port do not matter. Anything that is not
 * a plain host[:port] (userinfo, a path) does not match.
 */
export function isIssuerHost(host: string, issuer: URL): boolean {
  if (!host || /[/?#@\\\s]/.test(host)) {
    return false;
  }
  try {
    return new URL(`${issuer.protocol}//${host}`).host === issuer.host;
  } catch {
    return false;
  }
}

/**
 * STRICT_HOST: a request for any host but the issuer's is answered 421 Misdirected Request
 * (RFC 9110 §15.5.20: this server does not produce responses for that authority) instead of
 * being served with the issuer's URLs. The host is the one Fastify reads under TRUST_PROXY:
 * `X-Forwarded-Host` from a trusted proxy, else `Host`. Registered before anything else, so
 * that no route, oidc-provider's included, answers such a request.
 */
export function refuseOtherHosts(fastify: FastifyInstance, issuer: URL): void {
  const headers = securityHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    if (isIssuerHost(request.host, issuer) || HEALTH.test(request.url)) {
      done();
      return;
    }
    void reply
      .code(421)
      .headers(headers)
      .header('Cache-Control', 'no-store')
      .type('text/plain; charset=utf-8')
      .send(`This server only answers requests for ${issuer.host}.\n`);
  });
}
