import { Counter, Histogram, Registry } from 'prom-client';

/**
 * Gatehouse's Prometheus metrics (prom-client), in one registry that `/metrics` exposes when
 * enabled (see observability/). Defined here, at the bottom of the layers, so that the
 * authorization server, the audit trail and the request hook can each count what they see.
 * Labels never carry an identifier of a person, a client or a credential.
 */
export const metricsRegistry = new Registry();

export const httpRequests = new Counter({
  name: 'gatehouse_http_requests_total',
  help: 'HTTP requests answered, by route class (oauth, api, page, asset, health, metrics), method and status',
  labelNames: ['class', 'method', 'status'] as const,
  registers: [metricsRegistry],
});

export const httpDuration = new Histogram({
  name: 'gatehouse_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by route class',
  labelNames: ['class'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const tokensIssued = new Counter({
  name: 'gatehouse_tokens_issued_total',
  help: 'Successful token endpoint answers, by grant type',
  labelNames: ['grant_type'] as const,
  registers: [metricsRegistry],
});

export const signIns = new Counter({
  name: 'gatehouse_sign_ins_total',
  help: 'Sign-in attempts with a password, by outcome (success, failure)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});
