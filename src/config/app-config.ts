import type { LogLevel } from '@nestjs/common';
import type { Branding } from './branding.js';

export type DatabaseConfig =
  { type: 'better-sqlite3'; path: string } | { type: 'postgres'; url: string };

/** Lifetimes in seconds. */
export interface TokenLifetimes {
  accessToken: number;
  idToken: number;
  refreshToken: number;
  /** The absolute lifetime of a browser app's refresh tokens, first one to last rotation. */
  spaRefreshToken: number;
  authorizationCode: number;
  session: number;
  grant: number;
  interaction: number;
  /** How long a device's user code can be entered (RFC 8628 §3.2 `expires_in`). */
  deviceCode: number;
}

/** How the API (this server's own resource server) checks access tokens. */
export interface ResourceServerConfig {
  /** The `realm` of every RFC 6750 `WWW-Authenticate: Bearer` challenge. */
  realm: string;
  /** How many verified JWT access tokens to remember (0: verify every request). */
  tokenCacheSize: number;
  /** Seconds between reads of revocations made by other processes (instances, the CLI). */
  revocationSyncInterval: number;
}

/** Who may create an account: admins by invitation, anyone at /signup, or the CLI only. */
export type SignupPolicy = 'invite' | 'open' | 'closed';

/** How Gatehouse sends email. */
export interface MailConfig {
  /** SMTP_URL; unset, every message is written as an .eml file under {@link outboxDir}. */
  smtpUrl?: string;
  /** MAIL_FROM: the From of every message. */
  from: string;
  /** DATA_DIR/outbox: where messages go without SMTP. */
  outboxDir: string;
}

/** The typed, validated configuration. Code reads this, never `process.env`. */
export interface AppConfig {
  port: number;
  host: string;
  /** The issuer identifier, without a trailing slash. */
  issuer: string;
  dataDir: string;
  database: DatabaseConfig;
  /**
   * SQLite only: milliseconds a statement waits for another connection's lock before failing
   * with SQLITE_BUSY (answered 503). better-sqlite3 waits synchronously, so the whole process
   * waits with it.
   */
  databaseBusyTimeout: number;
  /** Seconds a stopping server (SIGTERM) waits for requests in flight before it exits anyway. */
  shutdownTimeout: number;
  ttl: TokenLifetimes;
  /**
   * Format of access tokens for the API resource: self-encoded RFC 9068 JWTs (verified
   * locally) or opaque strings (looked up in the database by hash).
   */
  accessTokenFormat: 'jwt' | 'opaque';
  resourceServer: ResourceServerConfig;
  /** Seconds a device must wait between polls of the token endpoint (RFC 8628 §3.2 `interval`). */
  devicePollInterval: number;
  /** Whether /examples/spa/ is served (SERVE_EXAMPLES; default: unless NODE_ENV=production). */
  serveExamples: boolean;
  /** Seconds audit events are kept; `tokens:purge` deletes older ones. */
  auditRetention: number;
  /** Seconds a client secret keeps working after it was rotated (0: it stops at once). */
  clientSecretGrace: number;
  /**
   * AES-256 keys sealing the signing and cookie keys at rest: `current` seals (and opens);
   * `previous` only opens, while keys are re-sealed with a new one. Absent: stored unsealed.
   */
  keysEncryption: { current?: Buffer; previous?: Buffer };
  /** Serves /metrics to a scraper presenting it as a bearer token; unset, /metrics is off. */
  metricsToken?: string;
  /** Passed to Fastify's `trustProxy`; false means X-Forwarded-* headers are ignored. */
  trustProxy: boolean | number | string;
  /**
   * STRICT_HOST: answer 421 Misdirected Request to requests for any host but the issuer's.
   * Off, they are served as if addressed to the issuer (every URL names ISSUER either way).
   */
  strictHost: boolean;
  /** SIGNUP: who may create an account. */
  signup: SignupPolicy;
  mail: MailConfig;
  logLevels: LogLevel[];
  logFormat: 'text' | 'json';
  /** BRAND_* and the support, terms and privacy links: shown on every page. */
  brand: Branding;
}

/**
 * Whether cookies are marked `Secure` (RFC 6265 §4.1.2.5): when the public origin, ISSUER, is
 * https, however the request reached this process (a TLS-terminating proxy speaks http to it).
 * oidc-provider's cookies follow the same rule (see oauth/provider/corrections/pin-to-issuer.ts).
 */
export function secureCookies(config: Pick<AppConfig, 'issuer'>): boolean {
  return new URL(config.issuer).protocol === 'https:';
}

/** Injection token for {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
