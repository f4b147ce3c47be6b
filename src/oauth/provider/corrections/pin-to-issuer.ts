import type { IncomingMessage } from 'node:http';

/**
 * Tells oidc-provider that a request was addressed to the issuer, whatever its headers say,
 * just before the request is handed to it.
 *
 * The engine builds every absolute URL it publishes (discovery's endpoints and `jwks_uri`, the
 * device flow's `verification_uri`, the logout form, its redirects) from koa's `ctx.href`: from
 * the request's `Host`, or `X-Forwarded-Host`/`-Proto` behind a proxy, while `issuer` stays
 * fixed. A request for another host got endpoints on that host, which a shared cache keyed
 * on the path alone would keep and serve to everyone (web cache poisoning; RFC 9110 §7.2,
 * §17.1). Gatehouse has one public origin, ISSUER: the engine sees that one, always.
 *
 * koa reads the scheme and the client's address from proxy headers only when `provider.proxy`
 * is on, which provider.factory.ts sets because these headers are always ours: the issuer's
 * scheme (an https issuer behind a TLS-terminating proxy gets Secure cookies) and the address
 * Fastify determined under TRUST_PROXY (koa alone would believe any `X-Forwarded-For`).
 */
export function pinToIssuer(req: IncomingMessage, issuer: URL, clientIp: string): void {
  req.headers.host = issuer.host;
  req.headers['x-forwarded-host'] = issuer.host;
  req.headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
  req.headers['x-forwarded-for'] = clientIp;
}
