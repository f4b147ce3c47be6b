import { PROVIDER_ROUTES } from '../routes.js';

type Middleware = (ctx: Context, next: () => Promise<void>) => Promise<void>;

/** The part of Koa's context this middleware uses. */
interface Context {
  path: string;
  method: string;
  status: number;
  body: unknown;
}

/**
 * RFC 7009 §2.2: a successful revocation is HTTP 200, and "the content of the response body
 * is ignored by the client". oidc-provider answers it with an empty `text/plain` body, which a
 * strict JSON client refuses before looking at the status: oidc-client-ts (JsonService.postForm)
 * throws on any Content-Type but `application/json`, so its `signoutRedirect` with token
 * revocation fails before it leaves for the logout endpoint. The same 200, as the JSON `{}`.
 */
export function revocationAnswersJson(): Middleware {
  return async (ctx, next) => {
    await next();
    if (
      ctx.path === PROVIDER_ROUTES.revocation &&
      ctx.method === 'POST' &&
      ctx.status === 200 &&
      (ctx.body === '' || ctx.body === undefined || ctx.body === null)
    ) {
      // Koa serialises an object as `application/json; charset=utf-8`.
      ctx.body = {};
    }
  };
}
