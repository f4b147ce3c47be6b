import { IsNull, type Repository } from 'typeorm';
import { hashId } from './hash-id.js';
import { OidcPayloadEntity } from './oidc-payload.entity.js';
import { redact, restore, type OidcPayload } from './stored-payload.js';

export interface AdapterOptions {
  /** The error oidc-provider turns into `invalid_grant` when a code or token is replayed. */
  replayError: (kind: string) => Error;
  now?: () => number;
}

/**
 * oidc-provider's storage contract on TypeORM, one instance per model (`name` is the kind).
 * Expiry is enforced on read; consumption is a single conditional UPDATE so that of several
 * concurrent redemptions exactly one wins.
 */
export class TypeOrmAdapter {
  private readonly now: () => number;

  constructor(
    private readonly kind: string,
    private readonly repo: Repository<OidcPayloadEntity>,
    private readonly options: AdapterOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async upsert(id: string, payload: OidcPayload, expiresIn?: number): Promise<void> {
    const row: Partial<OidcPayloadEntity> = {
      kind: this.kind,
      id: hashId(id),
      payload: JSON.stringify(redact(this.kind, payload)),
      grantId: this.kind === 'Grant' ? id : (payload.grantId ?? null),
      uid: payload.uid ? hashId(payload.uid) : null,
      accountId: payload.accountId ?? null,
      clientId: payload.clientId ?? null,
      expiresAt: expiresIn !== undefined ? this.now() + expiresIn * 1000 : null,
    };
    if (payload.userCode) {
      row.userCode = hashId(payload.userCode);
    }
    await this.repo.upsert(row, {
      conflictPaths: ['kind', 'id'],
      skipUpdateIfNoValuesChanged: false,
    });
  }

  async find(id: string): Promise<OidcPayload | undefined> {
    const row = await this.repo.findOneBy({ kind: this.kind, id: hashId(id) });
    return this.live(row) ? restore(row.payload, { jti: id }, row.consumedAt) : undefined;
  }

  async findByUid(uid: string): Promise<OidcPayload | undefined> {
    const row = await this.repo.findOneBy({ kind: this.kind, uid: hashId(uid) });
    return this.live(row) ? restore(row.payload, {}, row.consumedAt) : undefined;
  }

  async findByUserCode(userCode: string): Promise<OidcPayload | undefined> {
    const row = await this.repo.findOneBy({ kind: this.kind, userCode: hashId(userCode) });
    return this.live(row) ? restore(row.payload, { userCode }, row.consumedAt) : undefined;
  }

  /**
   * Marks a code or refresh token used. If another request consumed it first (a replay that
   * raced past oidc-provider's own `consumed` check), everything issued under its grant is
   * revoked, as a detected replay requires (RFC 6749 §4.1.2, RFC 9700 §4.14.2).
   */
  async consume(id: string): Promise<void> {
    const key = hashId(id);
    const result = await this.repo.update(
      { kind: this.kind, id: key, consumedAt: IsNull() },
      { consumedAt: this.now() },
    );
    if (result.affected === 1) {
      return;
    }
    const row = await this.repo.findOneBy({ kind: this.kind, id: key });
    if (row?.grantId) {
      await this.repo.delete({ grantId: row.grantId });
    }
    throw this.options.replayError(this.kind);
  }

  async destroy(id: string): Promise<void> {
    await this.repo.delete({ kind: this.kind, id: hashId(id) });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.repo.delete({ kind: this.kind, grantId });
  }

  private live(row: OidcPayloadEntity | null): row is OidcPayloadEntity {
    return row !== null && (row.expiresAt === null || row.expiresAt > this.now());
  }
}
