import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { bigintAsNumber } from '../database/columns.js';

@Entity('users')
export class UserEntity {
  /** Stable, opaque subject identifier (`sub`). */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Stored lower-cased; unique. */
  @Column({ type: 'varchar', length: 320, unique: true })
  email!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name!: string | null;

  /** argon2id PHC string. */
  @Column({ name: 'password_hash', type: 'varchar', length: 200 })
  passwordHash!: string;

  @Column({ name: 'is_admin', type: 'boolean', default: false })
  isAdmin!: boolean;

  /** When the person confirmed the address (epoch ms); null while unconfirmed. */
  @Column({
    name: 'email_verified_at',
    type: 'bigint',
    nullable: true,
    transformer: bigintAsNumber,
  })
  emailVerifiedAt!: number | null;

  /** When an administrator disabled the user (epoch ms); a disabled user cannot sign in. */
  @Column({ name: 'disabled_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  disabledAt!: number | null;

  @Column({ name: 'last_sign_in_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  lastSignInAt!: number | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
