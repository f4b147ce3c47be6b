import type { Sql } from '../../database/sql.js';
import { hashId } from '../../common/hash-id.js';
import { redact, restore, type OidcPayload } from './stored-payload.js';

export interface AdapterOptions {
  /** The error oidc-provider turns into `invalid_grant` when a code or token is replayed. */
  replayError: (kind: string) => Error;
  /**
   * Called before the tokens of a grant are revoked (the grant destroyed, its tokens revoked by
   * the revocation endpoint, a replay detected): self-encoded access tokens are not in this
   * table, so deleting rows alone cannot revoke them.
   */
  onGrantRevoked?: (grantId: string) => Promise<void>;
  /**
   * Whether a row reference (see {@link ROW_REFERENCE}) may be used now; the provider refuses
   * them at the token endpoint, where a client presents its device code.
   */
  rowReferencesAllowed?: () => boolean;
  now?: () => number;
}

/**
 * A device code found by its user code (the person typed it) cannot get its real id back:
 * only the id's hash is stored. oidc-provider then saves, finds and consumes it by the `jti`
 * the adapter gave it, so the adapter names it by its row instead: this prefix and the row's
 * key. The reference is never shown to a client, and is refused where a client presents a
 * device code, so knowing a row key (from a database copy) never redeems one.
 */
export const ROW_REFERENCE = 'row:';

interface StoredRow {
  id: string;
  payload: string;
  expires_at: string | number | null;
  consumed_at: string | number | null;
}

const COLUMNS = 'id, payload, expires_at, consumed_at';

/**
 * oidc-provider's storage contract on the `oidc_payloads` table (see OidcPayloadEntity), one
 * instance per model (`kind`). Ids, uids and user codes are stored as SHA-256 digests. Expiry
 * is enforced on read; consumption is a single conditional UPDATE so that of several
 * concurrent redemptions exactly one wins. These run on every token request, so they are
 * plain SQL rather than TypeORM query building.
 */
export class TypeOrmAdapter {
  private readonly now: () => number;

  constructor(
    private readonly kind: string,
    private readonly sql: Sql,
    private readonly options: AdapterOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async upsert(id: string, payload: OidcPayload, expiresIn?: number): Promise<void> {
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
        this.kind,
        this.keyOf(id),
        JSON.stringify(redact(this.kind, payload)),
        this.kind === 'Grant' ? id : (payload.grantId ?? null),
        payload.userCode ? hashId(payload.userCode) : null,
        payload.uid ? hashId(payload.uid) : null,
        payload.accountId ?? null,
        payload.clientId ?? null,
        expiresIn !== undefined ? this.now() + expiresIn * 1000 : null,
      ],
    );
  }

  async find(id: string): Promise<OidcPayload | undefined> {
    if (id.startsWith(ROW_REFERENCE) && this.options.rowReferencesAllowed?.() === false) {
      return undefined;
    }
    const row = await this.findBy('id', this.keyOf(id));
    return row && restore(row.payload, { jti: id }, toNumber(row.consumed_at));
  }

  async findByUid(uid: string): Promise<OidcPayload | undefined> {
    const row = await this.findBy('uid', hashId(uid));
    return row && restore(row.payload, {}, toNumber(row.consumed_at));
  }

  async findByUserCode(userCode: string): Promise<OidcPayload | undefined> {
    const row = await this.findBy('user_code', hashId(userCode));
    return (
      row &&
      restore(
        row.payload,
        { userCode, jti: `${ROW_REFERENCE}${row.id}` },
        toNumber(row.consumed_at),
      )
    );
  }

  /**
   * Marks a code or refresh token used. If another request consumed it first (a replay that
   * raced past oidc-provider's own `consumed` check), everything issued under its grant is
   * revoked, as a detected replay requires (RFC 6749 §4.1.2, RFC 9700 §4.14.2).
   */
  async consume(id: string): Promise<void> {
    const key = this.keyOf(id);
    const won = await this.sql.query(
      `UPDATE oidc_payloads SET consumed_at = ?
       WHERE kind = ? AND id = ? AND consumed_at IS NULL RETURNING id`,
      [this.now(), this.kind, key],
    );
    if (won.length === 1) {
      return;
    }
    const [row] = await this.sql.query<{ grant_id: string | null }>(
      'SELECT grant_id FROM oidc_payloads WHERE kind = ? AND id = ?',
      [this.kind, key],
    );
    if (row?.grant_id) {
      await this.options.onGrantRevoked?.(row.grant_id);
      await this.sql.query('DELETE FROM oidc_payloads WHERE grant_id = ?', [row.grant_id]);
    }
    throw this.options.replayError(this.kind);
  }

  async destroy(id: string): Promise<void> {
    if (this.kind === 'Grant') {
      await this.options.onGrantRevoked?.(id);
    }
    await this.sql.query('DELETE FROM oidc_payloads WHERE kind = ? AND id = ?', [
      this.kind,
      this.keyOf(id),
    ]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    // oidc-provider revokes a grant's access tokens whenever it revokes anything of the grant.
    if (this.kind === 'AccessToken') {
      await this.options.onGrantRevoked?.(grantId);
    }
    await this.sql.query('DELETE FROM oidc_payloads WHERE kind = ? AND grant_id = ?', [
      this.kind,
      grantId,
    ]);
  }

  /** The row key of an id: its hash, or the key a row reference names. */
  private keyOf(id: string): string {
    return id.startsWith(ROW_REFERENCE) ? id.slice(ROW_REFERENCE.length) : hashId(id);
  }

  /** The live row whose `column` holds `value`; expired rows read as absent. */
  private async findBy(
    column: 'id' | 'uid' | 'user_code',
    value: string,
  ): Promise<StoredRow | undefined> {
    const [row] = await this.sql.query<StoredRow>(
      `SELECT ${COLUMNS} FROM oidc_payloads WHERE kind = ? AND ${column} = ?`,
      [this.kind, value],
    );
    const expiresAt = row ? toNumber(row.expires_at) : null;
    // An expired device code is still read: oidc-provider checks its expiry on every path and
    // tells the device `expired_token` (RFC 8628 §3.5) rather than "not found".
    const readable = this.kind === 'DeviceCode' || expiresAt === null || expiresAt > this.now();
    return row && readable ? row : undefined;
  }
}

/** BIGINT arrives as a string from PostgreSQL and as a number from SQLite. */
function toNumber(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}
