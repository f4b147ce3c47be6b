import type { ViewsService } from '../../../common/views.service.js';
import type { Configuration } from '../engine.js';

/**
 * The engine's error page (`renderError`), for the errors it cannot send back to the client:
 * RFC 6749 §4.1.2.1 has the server "inform the resource owner of the error" and never redirect
 * to a redirect URI it could not verify. Ours is rendered like every other page (no inline
 * style or script, which our CSP forbids and the engine's default page has), and a
 * `server_error` shows no detail. It is logged once, by the engine's `server_error` listener
 * (see provider.factory.ts).
 */
export function errorPage(views: ViewsService): NonNullable<Configuration['renderError']> {
  return (ctx, out) => {
    const serverError = out.error === 'server_error';
    ctx.type = 'html';
    ctx.body = views.render('error', {
      title: serverError ? 'Something went wrong' : 'This request cannot be completed',
      message: serverError
        ? 'The server could not complete the request. Please try again later.'
        : (out.error_description ?? 'The request is invalid.'),
      code: out.error,
    });
  };
}
