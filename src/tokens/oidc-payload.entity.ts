import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../database/columns.js';

/**
 * One row per oidc-provider model instance (session, interaction, code, token, grant...).
 * `id`, `uid` and `userCode` hold SHA-256 digests, never the values themselves: a copy of the
 * database reveals no usable token, code or session id.
 */
@Entity('oidc_payloads')
@Index('idx_oidc_payloads_grant', ['grantId'])
@Index('idx_oidc_payloads_uid', ['uid'])
@Index('idx_oidc_payloads_user_code', ['userCode'])
@Index('idx_oidc_payloads_account_client', ['accountId', 'clientId'])
@Index('idx_oidc_payloads_expires', ['expiresAt'])
export class OidcPayloadEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  kind!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  /** JSON payload, minus the fields that would reveal a credential. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ name: 'grant_id', type: 'varchar', length: 64, nullable: true })
  grantId!: string | null;

  @Column({ name: 'user_code', type: 'varchar', length: 64, nullable: true })
  userCode!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  uid!: string | null;

  @Column({ name: 'account_id', type: 'varchar', length: 64, nullable: true })
  accountId!: string | null;

  @Column({ name: 'client_id', type: 'varchar', length: 64, nullable: true })
  clientId!: string | null;

  /** Epoch milliseconds; null for rows that never expire. */
  @Column({ name: 'expires_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  expiresAt!: number | null;

  /** Epoch milliseconds of consumption (codes, rotated refresh tokens). */
  @Column({ name: 'consumed_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  consumedAt!: number | null;
}
