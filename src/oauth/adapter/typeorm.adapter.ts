import { hashId } from '../../common/hash-id.js';
import type { OidcPayloadStore, StoredPayload } from '../../tokens/oidc-payload.store.js';
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

/**
 * oidc-provider's storage contract on the `oidc_payloads` table (through its store, see
 * tokens/oidc-payload.store.ts), one instance per model (`kind`). Ids, uids and user codes are
 * stored as SHA-256 digests. Expiry is enforced on read; consumption is atomic, so that of
 * several concurrent redemptions exactly one wins.
 */
export class TypeOrmAdapter {
  private readonly now: () => number;

  constructor(
    private readonly kind: string,
    private readonly store: OidcPayloadStore,
    private readonly options: AdapterOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async upsert(id: string, payload: OidcPayload, expiresIn?: number): Promise<void> {
    await this.store.upsert({
      kind: this.kind,
      key: this.keyOf(id),
      payload: JSON.stringify(redact(this.kind, payload)),
      grantId: this.kind === 'Grant' ? id : (payload.grantId ?? null),
      userCodeKey: payload.userCode ? hashId(payload.userCode) : null,
      uidKey: payload.uid ? hashId(payload.uid) : null,
      accountId: payload.accountId ?? null,
      clientId: payload.clientId ?? null,
      expiresAt: expiresIn !== undefined ? this.now() + expiresIn * 1000 : null,
    });
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
    if (await this.store.consume(this.kind, key, this.now())) {
      return;
    }
    const grantId = await this.store.grantIdOf(this.kind, key);
    if (grantId) {
      await this.options.onGrantRevoked?.(grantId);
      await this.store.deleteByGrants([grantId]);
    }
    throw this.options.replayError(this.kind);
  }

  async destroy(id: string): Promise<void> {
    if (this.kind === 'Grant') {
      await this.options.onGrantRevoked?.(id);
    }
    await this.store.delete(this.kind, this.keyOf(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    // oidc-provider revokes a grant's access tokens whenever it revokes anything of the grant.
    if (this.kind === 'AccessToken') {
      await this.options.onGrantRevoked?.(grantId);
    }
    await this.store.deleteByGrants([grantId], this.kind);
  }

  /** The row key of an id: its hash, or the key a row reference names. */
  private keyOf(id: string): string {
    return id.startsWith(ROW_REFERENCE) ? id.slice(ROW_REFERENCE.length) : hashId(id);
  }

  /** The live row whose `column` holds `value`; expired rows read as absent. */
  private async findBy(
    column: 'id' | 'uid' | 'user_code',
    value: string,
  ): Promise<StoredPayload | undefined> {
    const row = await this.store.find(this.kind, column, value);
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
