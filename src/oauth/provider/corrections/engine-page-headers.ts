import type { EngineMiddleware } from '../engine.js';

/**
 * oidc-provider writes its responses itself, outside Fastify's hooks (and so outside helmet):
 * its pages get the same security headers as ours (see common/security-headers.ts) — among
 * them `frame-ancestors 'none'` and `X-Frame-Options: DENY`, against the clickjacking of
 * RFC 6749 §10.13 — unless it set its own.
 */
export function securityHeadersOnEnginePages(
  headers: Readonly<Record<string, string>>,
): EngineMiddleware {
  return async (ctx, next) => {
    await next();
    for (const [name, value] of Object.entries(headers)) {
      if (!ctx.response.get(name)) {
        ctx.set(name, value);
      }
    }
  };
}
