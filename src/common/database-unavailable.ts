/**
 * Whether an error means "the database is out of reach for now" — a lock another process
 * holds, a server that refuses or drops connections — rather than a bug. Such a request is
 * answered 503 with `Retry-After` (RFC 9110 §15.6.4: "unable to handle the request due to a
 * temporary overload or scheduled maintenance, which will likely be alleviated after some
 * delay"); anything else stays a 500.
 *
 * Pure: it looks at the error and what it wraps (TypeORM's `driverError`, `cause`, the
 * `errors` of an AggregateError), never at the database.
 */

/** How long a client should wait before trying again (RFC 9110 §10.2.3 `Retry-After`, seconds). */
export const RETRY_AFTER_SECONDS = 5;

/** What a client or person is told; the cause stays in the log. */
export const UNAVAILABLE_DESCRIPTION =
  'The service is temporarily unavailable. Please try again in a few seconds.';

/**
 * better-sqlite3's SqliteError `code`: another connection holds a lock longer than the busy
 * timeout (`SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`...) or a shared-cache table is locked
 * (`SQLITE_LOCKED...`).
 */
const SQLITE_LOCK = /^SQLITE_(BUSY|LOCKED)(_[A-Z]+)?$/;

/** Node's socket errors on the way to a database server; all of them pass once it is back. */
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // getaddrinfo's "temporary failure in name resolution" (ENOTFOUND, a name that does not
  // exist, is a configuration error and stays a 500).
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs (Appendix A) that mean "not now" rather than "not ever": 57P01
 * admin_shutdown (a backend terminated), 57P02 crash_shutdown, 57P03 cannot_connect_now (the
 * server starts or stops), 53300 too_many_connections. Class 08 (connection exception) is
 * matched as a whole. Left out on purpose: 28xxx (wrong password) and 3D000 (no such
 * database), which no retry fixes; 40001/40P01 (serialization failure, deadlock), which the
 * code that ran the transaction should retry, not the client.
 */
const POSTGRES_TRANSIENT = new Set(['57P01', '57P02', '57P03', '53300']);
const POSTGRES_CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;

/**
 * 55000 object_not_in_prerequisite_state is a 503 only as the FATAL refusal of a new
 * connection: `database "x" is not currently accepting connections` (ALTER DATABASE ... WITH
 * ALLOW_CONNECTIONS false, during maintenance). As an ordinary ERROR it is a bug.
 */
const POSTGRES_NOT_ACCEPTING = '55000';

/**
 * pg's own errors carry no code: the server closed the socket ("Connection terminated
 * unexpectedly"), the pool's connection timeout passed, or a statement got no answer within
 * its `query_timeout` ("Query read timeout", database/sql.ts).
 */
const PG_CONNECTION_LOST =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Query read timeout)$/;

/** What wrapped errors are searched for, and how deep (wrappers never nest this far). */
const MAX_DEPTH = 8;

export interface DatabaseUnavailable {
  /** The driver's or the system's code, when there is one (`SQLITE_BUSY`, `57P01`...). */
  code?: string;
  message: string;
}

/**
 * The error (this one or one it wraps) that says the database is out of reach, if any. The
 * innermost is preferred: TypeORM's QueryFailedError copies its driver error's `code`, but
 * the driver's own message is the one worth logging.
 */
export function findDatabaseUnavailable(error: unknown): DatabaseUnavailable | undefined {
  const seen = new Set<object>();
  const visit = (candidate: unknown, depth: number): DatabaseUnavailable | undefined => {
    if (typeof candidate !== 'object' || candidate === null || depth > MAX_DEPTH) {
      return undefined;
    }
    if (seen.has(candidate)) {
      return undefined;
    }
    seen.add(candidate);
    const wrapped = candidate as { driverError?: unknown; cause?: unknown; errors?: unknown };
    const inner = [
      wrapped.driverError,
      wrapped.cause,
      ...(Array.isArray(wrapped.errors) ? (wrapped.errors as unknown[]) : []),
    ];
    for (const next of inner) {
      const found = visit(next, depth + 1);
      if (found) {
        return found;
      }
    }
    if (!isUnavailable(candidate)) {
      return undefined;
    }
    const { code, message } = candidate as { code?: unknown; message?: unknown };
    return {
      ...(typeof code === 'string' ? { code } : {}),
      message: typeof message === 'string' ? message : 'database unavailable',
    };
  };
  return visit(error, 0);
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return findDatabaseUnavailable(error) !== undefined;
}

/**
 * The one log line of an outage, the same from Nest and from oidc-provider: what was asked
 * (the path only: a query string may hold a token) and why the database could not answer.
 */
export function unavailableLogLine(
  method: string,
  path: string,
  cause: DatabaseUnavailable,
): string {
  const why = cause.code ? `${cause.code}: ${cause.message}` : cause.message;
  return `Database unavailable, answered 503: ${method} ${path.split('?')[0]} (${why})`;
}

function isUnavailable(error: object): boolean {
  const { code, severity, message } = error as {
    code?: unknown;
    severity?: unknown;
    message?: unknown;
  };
  if (typeof code === 'string') {
    return (
      SQLITE_LOCK.test(code) ||
      NETWORK.has(code) ||
      POSTGRES_TRANSIENT.has(code) ||
      POSTGRES_CONNECTION_EXCEPTION.test(code) ||
      (code === POSTGRES_NOT_ACCEPTING && severity === 'FATAL')
    );
  }
  return code === undefined && typeof message === 'string' && PG_CONNECTION_LOST.test(message);
}
