import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Sql } from '../database/sql.js';
import { PostgresRevocationFeed } from './revocation-feed.js';
import { hashId } from '../common/hash-id.js';
import { type ExpiringRows, PurgesExpiredRows } from '../database/expired-rows.js';

/**
 * What a revocation names: every token of one authorization (`grant`, by {@link grantKey}),
 * every token of one application (`client`, by client id) or one token (`token`, by `jti`).
 */
export type RevocationKind = 'grant' | 'client' | 'token';

/** What the revocation check needs to know about a verified self-encoded access token. */
export interface RevocableToken {
  clientId: string;
  /** The key of the grant it was issued under; absent for client_credentials tokens. */
  grantKey?: string;
  /** The client that grant belongs to, when it is another (an exchanged token, RFC 8693). */
  grantClientId?: string;
  jti?: string;
  /** When it was issued, in milliseconds (`iat_ms`, or the start of `iat`'s second). */
  issuedAt: number;
}

interface RevocationRow {
  kind: RevocationKind;
  key: string;
  revoked_at: string | number;
  expires_at: string | number;
}

/**
 * How a grant is named outside the authorization server: its id's SHA-256, which is also the
 * primary key of its row in `oidc_payloads`. JWT access tokens carry it as the `gid` claim.
 */
export function grantKey(grantId: string): string {
  return hashId(grantId);
}

/** Clocks of instances differ a little; keep entries (and re-read rows) this much longer. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Self-encoded (JWT) access tokens are verified without the database, so revoking one needs a
 * deny-list: this is it. Every revocation is written to the `revocations` table and applied to
 * this process's in-memory copy at once; on PostgreSQL every other process (instances, the
 * CLI) is told at once too, by LISTEN/NOTIFY (revocation-feed.ts); and each reads the table every
 * `REVOCATION_SYNC_INTERVAL` all the same, the safety net (and the only way on SQLite). The
 * resource guard's hot path is a few map lookups.
 *
 * The list stays small: a grant or client entry only has to outlive the access tokens issued
 * before it (one access token lifetime), a token entry only the token itself.
 */
@Injectable()
@PurgesExpiredRows()
export class RevocationList implements OnApplicationBootstrap, OnModuleDestroy, ExpiringRows {
  private readonly logger = new Logger(RevocationList.name);
  private readonly sql: Sql;
  /** kind → key → [revokedAt, expiresAt], in milliseconds. */
  private readonly entries: Record<RevocationKind, Map<string, [number, number]>> = {
    grant: new Map(),
    client: new Map(),
    token: new Map(),
  };
  private syncedUpTo = 0;
  private timer: NodeJS.Timeout | undefined;
  /** On PostgreSQL: other instances' revocations the moment they commit. */
  private readonly feed: PostgresRevocationFeed | undefined;
  private readonly now = Date.now;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.sql = new Sql(dataSource);
    const options = dataSource.options;
    this.feed =
      options.type === 'postgres' && options.url
        ? new PostgresRevocationFeed(options.url, this.sql)
        : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.feed?.listen((notice) =>
      this.apply(notice.kind, notice.key, notice.revokedAt, notice.expiresAt),
    );
    await this.sync();
    this.timer = setInterval(() => {
      this.sync().catch((error: unknown) =>
        this.logger.warn(`Could not read revocations: ${String(error)}`),
      );
    }, this.config.resourceServer.revocationSyncInterval * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.feed?.stop();
  }

  /**
   * Records that every access token of `kind`/`key` issued until now must be refused. `until`
   * (ms) is when the entry may be forgotten; by default one access token lifetime from now.
   */
  async revoke(kind: RevocationKind, key: string, until?: number): Promise<void> {
    const revokedAt = this.now();
    const expiresAt = until ?? revokedAt + this.config.ttl.accessToken * 1000 + CLOCK_SKEW_MS;
    await this.sql.query(
      `INSERT INTO revocations (kind, key, revoked_at, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (kind, key) DO UPDATE SET
         revoked_at = excluded.revoked_at, expires_at = excluded.expires_at`,
      [kind, key, revokedAt, expiresAt],
    );
    this.apply(kind, key, revokedAt, expiresAt);
    await this.feed?.publish({ kind, key, revokedAt, expiresAt });
  }

  /**
   * Whether a self-encoded access token was revoked: its grant or client was revoked after it
   * was issued, or the token itself was. Gatehouse's tokens say when they were issued to the
   * millisecond (`iat_ms`); for a token known only by `iat` (whole seconds), one issued in the
   * same second as a revocation counts as revoked: it errs on the safe side.
   */
  isRevoked(token: RevocableToken): boolean {
    return (
      (token.jti !== undefined && this.entries.token.has(token.jti)) ||
      this.revokedSince('client', token.clientId, token.issuedAt) ||
      (token.grantClientId !== undefined &&
        this.revokedSince('client', token.grantClientId, token.issuedAt)) ||
      (token.grantKey !== undefined && this.revokedSince('grant', token.grantKey, token.issuedAt))
    );
  }

  /** Reads what other processes revoked since the last sync and forgets what has expired. */
  async sync(): Promise<void> {
    const now = this.now();
    // Overlap the previous read: a row written just before it may have committed just after.
    const since = Math.max(0, this.syncedUpTo - CLOCK_SKEW_MS);
    const rows = await this.sql.query<RevocationRow>(
      `SELECT kind, key, revoked_at, expires_at FROM revocations
       WHERE revoked_at >= ? AND expires_at > ?`,
      [since, now],
    );
    for (const row of rows) {
      this.apply(row.kind, row.key, Number(row.revoked_at), Number(row.expires_at));
    }
    this.syncedUpTo = now;
    for (const entries of Object.values(this.entries)) {
      for (const [key, [, expiresAt]] of entries) {
        if (expiresAt <= now) {
          entries.delete(key);
        }
      }
    }
  }

  /** Deletes the rows no token can outlive any more; how many went. */
  async purgeExpired(now: number): Promise<number> {
    const rows = await this.sql.query(
      'DELETE FROM revocations WHERE expires_at <= ? RETURNING key',
      [now],
    );
    return rows.length;
  }

  private revokedSince(kind: RevocationKind, key: string, issuedAt: number): boolean {
    const entry = this.entries[kind].get(key);
    return entry !== undefined && issuedAt <= entry[0];
  }

  private apply(kind: RevocationKind, key: string, revokedAt: number, expiresAt: number): void {
    const entries = this.entries[kind];
    if (!entries) {
      return;
    }
    const known = entries.get(key);
    if (!known || known[0] < revokedAt) {
      entries.set(key, [revokedAt, expiresAt]);
    }
  }
}
