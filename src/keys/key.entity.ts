import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../database/columns.js';

export type KeyUse = 'signing' | 'cookie';

/**
 * Persisted key material: private signing JWKs and cookie-signing secrets. Generated on first
 * start so restarts (and other instances sharing the database) keep sessions and tokens valid.
 */
@Entity('keys')
export class KeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid!: string;

  @Column({ type: 'varchar', length: 16 })
  use!: KeyUse;

  /** A private JWK (signing) or a base64url secret (cookie), as JSON. */
  @Column({ type: 'text' })
  material!: string;

  /** Epoch milliseconds; the newest signing key of an algorithm signs. */
  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;
}
