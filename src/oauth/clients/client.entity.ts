import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const CLIENT_TYPES = ['web', 'spa', 'native', 'service'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

/** A registered application. Secrets are never stored, only their SHA-256. */
@Entity('clients')
export class ClientEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: ClientType;

  /** base64url SHA-256 of the client secret; null for public clients. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64, nullable: true })
  secretHash!: string | null;

  @Column({ name: 'redirect_uris', type: 'simple-json' })
  redirectUris!: string[];

  @Column({ name: 'post_logout_redirect_uris', type: 'simple-json' })
  postLogoutRedirectUris!: string[];

  /** Space-separated scopes this application may request. */
  @Column({ type: 'text' })
  scope!: string;

  /** A resource server allowed to call the introspection endpoint. */
  @Column({ type: 'boolean', default: false })
  introspection!: boolean;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
