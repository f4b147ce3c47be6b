import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { type ExpiringRows, PurgesExpiredRows } from '../database/expired-rows.js';
import { Sql } from '../database/sql.js';

/** A browser session's activity as stored (BIGINTs may arrive as strings). */
export interface StoredSessionActivity {
  session_key: string;
  account_id: string;
  user_agent: string | null;
  ip: string | null;
  started_at: number | string;
  last_seen_at: number | string;
}

/**
 * The one owner of `session_activity`: the browser, address, start and last sight of each
 * sign-in session, for /account/sessions. A row goes when its session is ended here, when its
 * user goes (the foreign key cascades), or when it was not seen for a whole SESSION_TTL.
 */
@Injectable()
@PurgesExpiredRows()
export class SessionActivityStore implements ExpiringRows {
  private readonly sql: Sql;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.sql = new Sql(dataSource);
  }

  /** Records that the session was seen; the first sighting is its start. */
  async touch(row: {
    key: string;
    accountId: string;
    userAgent: string | undefined;
    ip: string | undefined;
    at: number;
  }): Promise<void> {
    await this.sql.query(
      `INSERT INTO session_activity
         (session_key, account_id, user_agent, ip, started_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (session_key) DO UPDATE SET
         user_agent = excluded.user_agent, ip = excluded.ip, last_seen_at = excluded.last_seen_at`,
      [
        row.key,
        row.accountId,
        row.userAgent?.slice(0, 512) ?? null,
        row.ip?.slice(0, 64) ?? null,
        row.at,
        row.at,
      ],
    );
  }

  listForAccount(accountId: string): Promise<StoredSessionActivity[]> {
    return this.sql.query<StoredSessionActivity>(
      `SELECT session_key, account_id, user_agent, ip, started_at, last_seen_at
       FROM session_activity WHERE account_id = ? ORDER BY last_seen_at DESC`,
      [accountId],
    );
  }

  /** Forgets the activity of an account's sessions, but the one keyed `exceptKey`. */
  async deleteForAccount(accountId: string, exceptKey?: string): Promise<number> {
    const rows = await this.sql.query(
      `DELETE FROM session_activity WHERE account_id = ?${
        exceptKey ? ' AND session_key <> ?' : ''
      } RETURNING session_key`,
      exceptKey ? [accountId, exceptKey] : [accountId],
    );
    return rows.length;
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.sql.query('DELETE FROM session_activity WHERE session_key = ?', [key]);
    }
  }

  /** Sessions not seen for a whole SESSION_TTL have ended. */
  async purgeExpired(now: number): Promise<number> {
    const rows = await this.sql.query(
      'DELETE FROM session_activity WHERE last_seen_at <= ? RETURNING session_key',
      [now - this.config.ttl.session * 1000],
    );
    return rows.length;
  }
}
