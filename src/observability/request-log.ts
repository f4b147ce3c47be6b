import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { httpDuration, httpRequests } from '../common/metrics.js';
import { requestClient } from '../common/request-client.js';
import { isProviderPath } from '../oauth/provider/routes.js';

/** An incoming X-Request-Id worth keeping (a proxy's); anything else gets a fresh one. */
const REQUEST_ID = /^[\w.:-]{1,100}$/;
/**
 * A path segment that may be an identifier or a credential (interaction uid, file id...): long,
 * and with a digit, an uppercase letter or an underscore somewhere, so that words such as
 * `openid-configuration` stay readable.
 */
const OPAQUE_SEGMENT = /^(?=.*[A-Z0-9_])[A-Za-z0-9_-]{16,}$/;

/** One answered request, as logged: never a query string, body, header value or cookie. */
export interface RequestLogEntry {
  request_id: string;
  method: string;
  /** The route pattern (`/interaction/:uid`), or the path with identifiers masked. */
  route: string;
  class: RouteClass;
  status: number;
  duration_ms: number;
  client_id?: string;
}

export type RouteClass = 'oauth' | 'api' | 'page' | 'asset' | 'health' | 'metrics';

export function routeClass(path: string): RouteClass {
  if (isProviderPath(path) || path.startsWith('/.well-known/')) {
    return 'oauth';
  }
  if (path.startsWith('/api/')) {
    return 'api';
  }
  if (path === '/health' || path.startsWith('/health/')) {
    return 'health';
  }
  if (path === '/metrics') {
    return 'metrics';
  }
  if (path.startsWith('/assets/') || path === '/favicon.ico') {
    return 'asset';
  }
  return 'page';
}

/** The path without its query, identifiers masked: what a log line may show. */
export function loggedRoute(request: FastifyRequest): string {
  const pattern = request.routeOptions?.url;
  if (pattern) {
    return pattern;
  }
  const path = (request.raw.url ?? '/').split('?')[0];
  return path
    .split('/')
    .map((segment) => (OPAQUE_SEGMENT.test(segment) ? ':id' : segment))
    .join('/');
}

/**
 * Logs every answered request as one line (JSON with LOG_FORMAT=json) with a request id, and
 * counts it in the metrics. From the first hook and the raw response's `finish`, so requests
 * the engine answers itself (outside Fastify's reply) are logged too.
 */
export function logRequests(
  fastify: FastifyInstance,
  logger: LoggerService | false,
  format: 'json' | 'text',
): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const started = process.hrtime.bigint();
    const incoming = request.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    void reply.header('X-Request-Id', id);
    reply.raw.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const path = (request.raw.url ?? '/').split('?')[0];
      const entry: RequestLogEntry = {
        request_id: id,
        method: request.method,
        route: loggedRoute(request),
        class: routeClass(path),
        status: reply.raw.statusCode,
        duration_ms: Math.round(seconds * 10_000) / 10,
      };
      const clientId = requestClient(request.raw);
      if (clientId) {
        entry.client_id = clientId;
      }
      httpRequests.inc({ class: entry.class, method: entry.method, status: String(entry.status) });
      httpDuration.observe({ class: entry.class }, seconds);
      if (logger) {
        logger.log(format === 'json' ? entry : textLine(entry), 'Request');
      }
    });
    done();
  });
}

/** The development form: one readable line. */
function textLine(entry: RequestLogEntry): string {
  const client = entry.client_id ? ` client=${entry.client_id}` : '';
  return `${entry.method} ${entry.route} ${entry.status} ${entry.duration_ms}ms${client} id=${entry.request_id}`;
}
