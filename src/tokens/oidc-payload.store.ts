import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type ExpiringRows, PurgesExpiredRows } from '../database/expired-rows.js';
import { Sql } from '../database/sql.js';

/** A row as the engine's adapter writes it; ids, uids and user codes already hashed. */
export interface PayloadRow {
  kind: string;
  key: string;
  /** JSON, already stripped of what would reveal a credential. */
  payload: string;
  grantId: string | null;
  userCodeKey: string | null;
  uidKey: string | null;
  accountId: string | null;
  clientId: string | null;
  /** Epoch ms; null for rows that never expire. */
  expiresAt: number | null;
}

/** A row as read back. BIGINT arrives as a string from PostgreSQL, a number from SQLite. */
export interface StoredPayload {
  id: string;
  payload: string;
  expires_at: string | number | null;
  consumed_at: string | number | null;
}

/** A stored opaque access token, with whether the grant it was issued under is still live. */
export interface StoredAccessToken {
  kind: 'AccessToken' | 'ClientCredentials';
  payload: string;
  grant_id: string | null;
  client_id: string | null;
  expires_at: string | number | null;
  grant_live: number | string | null;
}

/** A user's authorization of an application, as stored. */
export interface StoredGrant {
  /** The row key: the grant id's hash (see revocation-list.ts `grantKey`). */
  id: string;
  grant_id: string;
  client_id: string;
  payload: string;
}

/**
 * The kinds of what a client presents as a token value. oidc-provider looks a value up as each
 * of them at once when it does not know which it is (introspection and revocation without a
 * `token_type_hint`, RFC 7662 §2.1, RFC 7009 §2.1): three reads of one key, answered by one.
 */
const PRESENTED_TOKEN_KINDS = new Set(['AccessToken', 'ClientCredentials', 'RefreshToken']);

/**
 * The one owner of `oidc_payloads`: everything oidc-provider stores (sessions, interactions,
 * codes, tokens, grants), one row per model instance, keyed by `kind` and the SHA-256 of its
 * id. The engine's adapter writes and reads it; the opaque-token verifier, the grants of the
 * account pages, application deletion and the purge go through here too. Plain SQL: these
 * run on every token request.
 */
@Injectable()
@PurgesExpiredRows()
export class OidcPayloadStore implements ExpiringRows {
  private readonly sql: Sql;
  /**
   * Reads of presented tokens by key, while they run: a read of the same key that starts
   * meanwhile shares the answer instead of sending its own statement. A write of this process
   * forgets them, so a read that starts after a write never gets an answer read before it.
   */
  private readonly tokenReads = new Map<string, Promise<(StoredPayload & { kind: string })[]>>();

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new Sql(dataSource);
  }

  async upsert(row: PayloadRow): Promise<void> {
    this.tokenReads.delete(row.key);
    await this.sql.query(
      `INSERT INTO oidc_payloads
         (kind, id, payload, grant_id, user_code, uid, account_id, client_id, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET
         payload = excluded.payload,
         grant_id = excluded.grant_id,
         user_code = COALESCE(excluded.user_code, oidc_payloads.user_code),
         uid = excluded.uid,
         account_id = excluded.account_id,
         client_id = excluded.client_id,
         expires_at = excluded.expires_at`,
      [
        row.kind,
        row.key,
        row.payload,
        row.grantId,
        row.userCodeKey,
        row.uidKey,
        row.accountId,
        row.clientId,
        row.expiresAt,
      ],
    );
  }

  /** The row of `kind` whose `column` holds `value` (expired or not). */
  async find(
    kind: string,
    column: 'id' | 'uid' | 'user_code',
    value: string,
  ): Promise<StoredPayload | undefined> {
    if (column === 'id' && PRESENTED_TOKEN_KINDS.has(kind)) {
      const found = (await this.readPresentedToken(value)).find((row) => row.kind === kind);
      return (
        found && {
          id: found.id,
          payload: found.payload,
          expires_at: found.expires_at,
          consumed_at: found.consumed_at,
        }
      );
    }
    const [row] = await this.sql.query<StoredPayload>(
      `SELECT id, payload, expires_at, consumed_at FROM oidc_payloads
       WHERE kind = ? AND ${column} = ?`,
      [kind, value],
    );
    return row;
  }

  /** Every row of a presented token's kinds under this key (one at most, in practice). */
  private readPresentedToken(key: string): Promise<(StoredPayload & { kind: string })[]> {
    let reading = this.tokenReads.get(key);
    if (!reading) {
      const read = this.sql.query<StoredPayload & { kind: string }>(
        `SELECT kind, id, payload, expires_at, consumed_at FROM oidc_payloads
         WHERE kind IN ('AccessToken', 'ClientCredentials', 'RefreshToken') AND id = ?`,
        [key],
      );
      reading = read;
      this.tokenReads.set(key, read);
      const forget = () => {
        if (this.tokenReads.get(key) === read) {
          this.tokenReads.delete(key);
        }
      };
      read.then(forget, forget);
    }
    return reading;
  }

  /**
   * Marks a code or token consumed, if no one did before: a single conditional UPDATE, so of
   * several concurrent redemptions exactly one wins. Whether this call won.
   */
  async consume(kind: string, key: string, at: number): Promise<boolean> {
    this.tokenReads.delete(key);
    const won = await this.sql.query(
      `UPDATE oidc_payloads SET consumed_at = ?
       WHERE kind = ? AND id = ? AND consumed_at IS NULL RETURNING id`,
      [at, kind, key],
    );
    return won.length === 1;
  }

  /** The grant id a row was issued under, if it has one. */
  async grantIdOf(kind: string, key: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ grant_id: string | null }>(
      'SELECT grant_id FROM oidc_payloads WHERE kind = ? AND id = ?',
      [kind, key],
    );
    return row?.grant_id ?? undefined;
  }

  async delete(kind: string, key: string): Promise<void> {
    this.tokenReads.delete(key);
    await this.sql.query('DELETE FROM oidc_payloads WHERE kind = ? AND id = ?', [kind, key]);
  }

  /**
   * Deletes what was issued under these grants: of one `kind`, or everything (a Grant row's
   * own grant_id is its id, so that takes the grants themselves too).
   */
  async deleteByGrants(grantIds: string[], kind?: string): Promise<void> {
    if (grantIds.length === 0) {
      return;
    }
    this.tokenReads.clear();
    const list = grantIds.map(() => '?').join(', ');
    await this.sql.query(
      `DELETE FROM oidc_payloads WHERE grant_id IN (${list})${kind ? ' AND kind = ?' : ''}`,
      kind ? [...grantIds, kind] : grantIds,
    );
  }

  /** Everything an application holds: its grants, sessions' codes, tokens. */
  async deleteByClient(clientId: string): Promise<void> {
    this.tokenReads.clear();
    await this.sql.query('DELETE FROM oidc_payloads WHERE client_id = ?', [clientId]);
  }

  /** An opaque access token by its key, with whether its grant (if it has one) is live. */
  async findAccessToken(key: string, now: number): Promise<StoredAccessToken | undefined> {
    const [row] = await this.sql.query<StoredAccessToken>(
      `SELECT t.kind, t.payload, t.grant_id, t.client_id, t.expires_at,
              (SELECT 1 FROM oidc_payloads g
                 WHERE g.kind = 'Grant' AND g.grant_id = t.grant_id
                   AND g.account_id = t.account_id AND g.client_id = t.client_id
                   AND (g.expires_at IS NULL OR g.expires_at > ?)) AS grant_live
       FROM oidc_payloads t
       WHERE t.kind IN ('AccessToken', 'ClientCredentials') AND t.id = ?`,
      [now, key],
    );
    return row;
  }

  /** The live grants of one account. */
  liveGrants(accountId: string, now: number): Promise<StoredGrant[]> {
    return this.sql.query<StoredGrant>(
      `SELECT id, grant_id, client_id, payload FROM oidc_payloads
       WHERE kind = 'Grant' AND account_id = ? AND (expires_at IS NULL OR expires_at > ?)`,
      [accountId, now],
    );
  }

  /** The ids of every grant (live or not) this account gave this client. */
  async grantIds(accountId: string, clientId: string): Promise<string[]> {
    const rows = await this.sql.query<{ grant_id: string | null }>(
      `SELECT grant_id FROM oidc_payloads
       WHERE kind = 'Grant' AND account_id = ? AND client_id = ?`,
      [accountId, clientId],
    );
    return rows.map((row) => row.grant_id).filter((id) => id !== null);
  }

  /** The id of the live grant this account gave this client that lasts longest, if any. */
  async currentGrantId(
    accountId: string,
    clientId: string,
    now: number,
  ): Promise<string | undefined> {
    const [row] = await this.sql.query<{ grant_id: string | null }>(
      `SELECT grant_id FROM oidc_payloads
       WHERE kind = 'Grant' AND account_id = ? AND client_id = ? AND expires_at > ?
       ORDER BY expires_at DESC LIMIT 1`,
      [accountId, clientId, now],
    );
    return row?.grant_id ?? undefined;
  }

  /** The id of the grant whose row key this is, if it still exists. */
  async grantIdForKey(key: string): Promise<string | undefined> {
    return this.grantIdOf('Grant', key);
  }

  /**
   * Deletes the browser sessions of an account (oidc-provider's `Session` rows), but the one
   * whose row key is `exceptKey`; how many went. The session cookies then name nothing.
   */
  async deleteSessionsOf(accountId: string, exceptKey?: string): Promise<number> {
    const rows = await this.sql.query(
      `DELETE FROM oidc_payloads WHERE kind = 'Session' AND account_id = ?${
        exceptKey ? ' AND id <> ?' : ''
      } RETURNING id`,
      exceptKey ? [accountId, exceptKey] : [accountId],
    );
    return rows.length;
  }

  /** The account signed in to the session with this row key, if it is live and signed in. */
  async sessionAccount(key: string, now: number): Promise<string | undefined> {
    const [row] = await this.sql.query<{ account_id: string | null }>(
      `SELECT account_id FROM oidc_payloads
       WHERE kind = 'Session' AND id = ? AND (expires_at IS NULL OR expires_at > ?)`,
      [key, now],
    );
    return row?.account_id ?? undefined;
  }

  /** The row keys of an account's live browser sessions. */
  async sessionKeysOf(accountId: string, now: number): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `SELECT id FROM oidc_payloads
       WHERE kind = 'Session' AND account_id = ? AND (expires_at IS NULL OR expires_at > ?)`,
      [accountId, now],
    );
    return rows.map((row) => row.id);
  }

  /** Ends one of an account's browser sessions; whether it was theirs and there. */
  async deleteSessionOf(accountId: string, key: string): Promise<boolean> {
    const rows = await this.sql.query(
      "DELETE FROM oidc_payloads WHERE kind = 'Session' AND account_id = ? AND id = ? RETURNING id",
      [accountId, key],
    );
    return rows.length > 0;
  }

  /** How many live browser sessions an account has. */
  async countSessionsOf(accountId: string, now: number): Promise<number> {
    const [row] = await this.sql.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM oidc_payloads
       WHERE kind = 'Session' AND account_id = ? AND (expires_at IS NULL OR expires_at > ?)`,
      [accountId, now],
    );
    return Number(row?.n ?? 0);
  }

  /** Whatever still names an account (interactions, device codes...), for its deletion. */
  async deleteAllOfAccount(accountId: string): Promise<number> {
    this.tokenReads.clear();
    const rows = await this.sql.query(
      'DELETE FROM oidc_payloads WHERE account_id = ? RETURNING kind',
      [accountId],
    );
    return rows.length;
  }

  /** The ids of every grant an account gave, to any client, live or not. */
  async grantIdsOfAccount(accountId: string): Promise<string[]> {
    const rows = await this.sql.query<{ grant_id: string | null }>(
      "SELECT grant_id FROM oidc_payloads WHERE kind = 'Grant' AND account_id = ?",
      [accountId],
    );
    return rows.map((row) => row.grant_id).filter((id) => id !== null);
  }

  /** Deletes every expired row (reads ignore them anyway); how many went. */
  async purgeExpired(now: number): Promise<number> {
    this.tokenReads.clear();
    const rows = await this.sql.query(
      'DELETE FROM oidc_payloads WHERE expires_at <= ? RETURNING kind',
      [now],
    );
    return rows.length;
  }
}
