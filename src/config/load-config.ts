import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { LogLevel } from '@nestjs/common';
import type { AppConfig, DatabaseConfig } from './app-config.js';
import { brandingEnv, brandingFrom } from './branding.js';
import { parseDuration, parseDurationOrZero } from './duration.js';

/** Thrown when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const seconds = parseDuration(value);
      if (seconds === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a positive duration such as 600, 90s, 10m, 12h or 30d',
        });
        return z.NEVER;
      }
      return seconds;
    });

/** A duration that may also be 0 (`0` turns the thing it measures off). */
const durationOrZero = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const seconds = parseDurationOrZero(value);
      if (seconds === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be 0 or a duration such as 600, 90s, 10m, 12h or 30d',
        });
        return z.NEVER;
      }
      return seconds;
    });

/**
 * Milliseconds, for waits shorter than a second: `250ms`, or a duration as above (`5s`); `0`
 * means no wait at all. At most a minute.
 */
const milliseconds = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const trimmed = value.trim();
      const ms = /^(\d+)\s*ms$/.exec(trimmed);
      const seconds = parseDurationOrZero(trimmed);
      const result = ms ? Number(ms[1]) : seconds === undefined ? undefined : seconds * 1000;
      if (result === undefined || result > 60_000) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be 0 or a duration of at most a minute such as 250ms, 5s or 1m',
        });
        return z.NEVER;
      }
      return result;
    });

const issuer = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) {
      return undefined;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
      return z.NEVER;
    }
    if (!['http:', 'https:'].includes(url.protocol) || /[?#]/.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an http(s) URL without query or fragment (OpenID Connect Discovery §2)',
      });
      return z.NEVER;
    }
    if (url.pathname !== '/') {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be an origin such as https://id.example.com (a path prefix is not supported)',
      });
      return z.NEVER;
    }
    return url.href.replace(/\/+$/, '');
  });

/** A 256-bit key for AES-256-GCM: 64 hex digits, or 43 base64url characters. */
const encryptionKey = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) {
      return undefined;
    }
    const key = /^[0-9a-fA-F]{64}$/.test(value)
      ? Buffer.from(value, 'hex')
      : /^[A-Za-z0-9_-]{43}$/.test(value)
        ? Buffer.from(value, 'base64url')
        : undefined;
    if (key?.length !== 32) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be 32 random bytes as 64 hex digits or 43 base64url characters (openssl rand -hex 32)',
      });
      return z.NEVER;
    }
    return key;
  });

const trustProxy = z
  .string()
  .default('false')
  .transform((value): boolean | number | string => {
    if (value === 'true' || value === 'false') {
      return value === 'true';
    }
    return /^\d+$/.test(value) ? Number(value) : value;
  });

/** smtp:// or smtps:// with a host; credentials, when any, in the userinfo part. */
const smtpUrl = z
  .string()
  .optional()
  .refine(
    (value) => {
      if (value === undefined) {
        return true;
      }
      try {
        const url = new URL(value);
        return ['smtp:', 'smtps:'].includes(url.protocol) && url.hostname !== '';
      } catch {
        return false;
      }
    },
    { message: 'must be an smtp:// or smtps:// URL such as smtp://user:pass@mail.example.com:587' },
  );

const envSchema = z.object({
  PORT: z
    .string()
    .regex(/^\d+$/, 'must be a port number from 0 to 65535')
    .transform(Number)
    .pipe(z.number().int().min(0).max(65535))
    .default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  ISSUER: issuer,
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(
      /^(postgres(ql)?:\/\/.+|sqlite:.+)$/,
      'must be a postgres:// (or postgresql://) URL or sqlite:<path>; leave it unset for the embedded SQLite file under DATA_DIR',
    )
    .optional(),
  DATABASE_BUSY_TIMEOUT: milliseconds('5s'),
  SHUTDOWN_TIMEOUT: duration('10s'),
  ACCESS_TOKEN_TTL: duration('10m'),
  ID_TOKEN_TTL: duration('1h'),
  REFRESH_TOKEN_TTL: duration('30d'),
  SPA_REFRESH_TOKEN_TTL: duration('24h'),
  AUTHORIZATION_CODE_TTL: duration('60s'),
  SESSION_TTL: duration('14d'),
  GRANT_TTL: duration('365d'),
  INTERACTION_TTL: duration('1h'),
  DEVICE_CODE_TTL: duration('10m'),
  DEVICE_POLL_INTERVAL: duration('5s'),
  TRUST_PROXY: trustProxy,
  STRICT_HOST: z.enum(['true', 'false']).default('false'),
  LOG_LEVEL: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]]).default('log'),
  LOG_FORMAT: z.enum(['text', 'json']).default('text'),
  ACCESS_TOKEN_FORMAT: z.enum(['jwt', 'opaque']).default('jwt'),
  // RFC 9110 §11.2: realm is a quoted-string; keep it printable ASCII.
  RESOURCE_REALM: z
    .string()
    .regex(/^[\x20-\x7E]{1,100}$/, 'must be 1 to 100 printable ASCII characters')
    .default('gatehouse'),
  ACCESS_TOKEN_CACHE_SIZE: z
    .string()
    .regex(/^\d+$/, 'must be a whole number (0 turns the cache off)')
    .transform(Number)
    .pipe(z.number().int().max(1_000_000))
    .default(5000),
  REVOCATION_SYNC_INTERVAL: duration('1s'),
  CLIENT_SECRET_GRACE: durationOrZero('24h'),
  AUDIT_RETENTION: duration('365d'),
  KEYS_ENCRYPTION_KEY: encryptionKey,
  METRICS_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters (openssl rand -hex 32)')
    .optional(),
  KEYS_ENCRYPTION_KEY_PREVIOUS: encryptionKey,
  SERVE_EXAMPLES: z.enum(['true', 'false']).optional(),
  NODE_ENV: z.string().optional(),
  SIGNUP: z.enum(['invite', 'open', 'closed']).default('invite'),
  SMTP_URL: smtpUrl,
  // RFC 5322 mailbox: an address, optionally with a display name (`Gatehouse <id@example.com>`).
  MAIL_FROM: z
    .string()
    .regex(
      /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/,
      'must be an address such as gatehouse@example.com or "Gatehouse <gatehouse@example.com>"',
    )
    .optional(),
  ...brandingEnv,
});

function databaseFrom(url: string | undefined, dataDir: string): DatabaseConfig {
  if (url?.startsWith('sqlite:')) {
    // sqlite:data/x.sqlite and sqlite://data/x.sqlite are relative; sqlite:///srv/x.sqlite is not.
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)|^\/\//, '');
    return { type: 'better-sqlite3', path: isAbsolute(path) ? path : resolve(path) };
  }
  if (url) {
    return { type: 'postgres', url };
  }
  return { type: 'better-sqlite3', path: join(dataDir, 'gatehouse.sqlite') };
}

/**
 * Unset MAIL_FROM: gatehouse@ the issuer's host name, which is what recipients recognise; a
 * bare IP or a dotless name (a development machine) is no mail domain, so `localhost` then.
 */
function defaultFrom(issuerUrl: string | undefined): string {
  const host = issuerUrl ? new URL(issuerUrl).hostname : 'localhost';
  const domain = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i.test(host) ? host : 'localhost';
  return `Gatehouse <gatehouse@${domain}>`;
}

/**
 * Validates the environment once, at boot. A bad value stops the start with a message naming
 * the variable and what is wrong with it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const brand = brandingFrom(e, dataDir);
  if (typeof brand === 'string') {
    throw new ConfigError(`Invalid configuration:\n  ${brand}`);
  }
  const levelIndex = LOG_LEVELS.indexOf(e.LOG_LEVEL);
  return {
    port: e.PORT,
    host: e.HOST,
    // Unset, the issuer is this machine on the configured port.
    issuer: e.ISSUER ?? `http://localhost:${e.PORT}`,
    dataDir,
    database: databaseFrom(e.DATABASE_URL, dataDir),
    databaseBusyTimeout: e.DATABASE_BUSY_TIMEOUT,
    shutdownTimeout: e.SHUTDOWN_TIMEOUT,
    ttl: {
      accessToken: e.ACCESS_TOKEN_TTL,
      idToken: e.ID_TOKEN_TTL,
      refreshToken: e.REFRESH_TOKEN_TTL,
      spaRefreshToken: e.SPA_REFRESH_TOKEN_TTL,
      authorizationCode: e.AUTHORIZATION_CODE_TTL,
      session: e.SESSION_TTL,
      grant: e.GRANT_TTL,
      interaction: e.INTERACTION_TTL,
      deviceCode: e.DEVICE_CODE_TTL,
    },
    accessTokenFormat: e.ACCESS_TOKEN_FORMAT,
    resourceServer: {
      realm: e.RESOURCE_REALM,
      tokenCacheSize: e.ACCESS_TOKEN_CACHE_SIZE,
      revocationSyncInterval: e.REVOCATION_SYNC_INTERVAL,
    },
    clientSecretGrace: e.CLIENT_SECRET_GRACE,
    metricsToken: e.METRICS_TOKEN,
    keysEncryption: {
      current: e.KEYS_ENCRYPTION_KEY,
      previous: e.KEYS_ENCRYPTION_KEY_PREVIOUS,
    },
    auditRetention: e.AUDIT_RETENTION,
    // Development conveniences (the example SPA) stay off in production unless asked for.
    serveExamples: e.SERVE_EXAMPLES ? e.SERVE_EXAMPLES === 'true' : e.NODE_ENV !== 'production',
    devicePollInterval: e.DEVICE_POLL_INTERVAL,
    trustProxy: e.TRUST_PROXY,
    strictHost: e.STRICT_HOST === 'true',
    signup: e.SIGNUP,
    mail: {
      smtpUrl: e.SMTP_URL,
      // Unset, mail comes from the issuer's host name, which is what recipients recognise.
      from: e.MAIL_FROM ?? defaultFrom(e.ISSUER),
      outboxDir: join(dataDir, 'outbox'),
    },
    logLevels: LOG_LEVELS.slice(0, levelIndex + 1),
    logFormat: e.LOG_FORMAT,
    brand,
  };
}
