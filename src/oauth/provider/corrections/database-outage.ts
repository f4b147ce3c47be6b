import type { Logger } from '@nestjs/common';
import type { ViewsService } from '../../../common/views.service.js';
import {
  type DatabaseUnavailable,
  findDatabaseUnavailable,
  RETRY_AFTER_SECONDS,
  UNAVAILABLE_DESCRIPTION,
  unavailableLogLine,
} from '../../../common/database-unavailable.js';
import type { EngineMiddleware, KoaContextWithOIDC } from '../engine.js';

/** Where the outage a request met is kept until the middleware answers for it. */
const OUTAGE = Symbol('database outage');

interface OutageState {
  [OUTAGE]?: DatabaseUnavailable;
}

/**
 * Endpoints a person's browser opens: they get a page, whatever the Accept header says (as
 * oidc-provider renders its own errors there). No redirect with `temporarily_unavailable`
 * (RFC 6749 §4.1.2.1): without the database the client and its redirect URI cannot be checked.
 */
const BROWSER_ROUTES = new Set([
  'authorization',
  'resume',
  'end_session',
  'end_session_confirm',
  'end_session_success',
  'code_verification',
  'device_resume',
]);

/**
 * For oidc-provider's `server_error` event. Its endpoints' error handlers catch what the
 * adapter (or a callback of ours) throws, answer it `500 server_error` and announce it; when
 * the cause is a database out of reach, this remembers it for {@link databaseOutage} to answer.
 *
 * @returns whether it was an outage (then nothing else should log it).
 */
export function rememberOutage(ctx: KoaContextWithOIDC, error: unknown): boolean {
  const outage = findDatabaseUnavailable(error);
  if (outage) {
    (ctx.state as OutageState)[OUTAGE] ??= outage;
  }
  return outage !== undefined;
}

/**
 * Restores RFC 9110 §15.6.4 where oidc-provider answers `500 server_error`: a request that met
 * an unreachable database (a lock another process holds, a server refusing connections) gets
 * 503 and `Retry-After`, in the endpoint's own format: an OAuth JSON error, or a page for a
 * browser. Never a stack, and one log line per request however many queries failed. Register
 * it outside the middleware that may query the database, so that what they throw (the session
 * saved after the endpoint answered, say) reaches it too.
 */
export function databaseOutage(deps: { views: ViewsService; logger: Logger }): EngineMiddleware {
  return async (koaContext, next) => {
    const ctx = koaContext as KoaContextWithOIDC;
    const state = ctx.state as OutageState;
    try {
      await next();
    } catch (error) {
      if (!rememberOutage(ctx, error)) {
        throw error;
      }
    }
    const outage = state[OUTAGE];
    if (!outage) {
      return;
    }
    deps.logger.warn(unavailableLogLine(ctx.method, ctx.path, outage));
    ctx.status = 503;
    ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
    ctx.set('Cache-Control', 'no-store');
    const route = String(ctx.oidc?.route ?? '');
    if (BROWSER_ROUTES.has(route) || ctx.accepts('json', 'html') === 'html') {
      ctx.type = 'html';
      ctx.body = deps.views.render('error', {
        title: 'Temporarily unavailable',
        message: UNAVAILABLE_DESCRIPTION,
        code: 'temporarily_unavailable',
      });
      return;
    }
    ctx.body = { error: 'temporarily_unavailable', error_description: UNAVAILABLE_DESCRIPTION };
  };
}
