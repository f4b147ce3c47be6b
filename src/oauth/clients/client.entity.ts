import { bigintAsNumber } from '../../database/columns.js';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ClientType } from './client-types.js';

export { CLIENT_TYPES, type ClientType } from './client-types.js';

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

  /**
   * After a rotation, the secret it replaced (SHA-256) keeps working until
   * `previousSecretExpiresAt` (ms since the epoch), so deployments can roll over.
   */
  @Column({ name: 'previous_secret_hash', type: 'varchar', length: 64, nullable: true })
  previousSecretHash!: string | null;

  @Column({
    name: 'previous_secret_expires_at',
    type: 'bigint',
    nullable: true,
    transformer: bigintAsNumber,
  })
  previousSecretExpiresAt!: number | null;

  /** Shown to users on the consent and connected-apps pages (https only). */
  @Column({ name: 'logo_uri', type: 'varchar', length: 2000, nullable: true })
  logoUri!: string | null;

  /** The app's homepage, linked from the consent and connected-apps pages. */
  @Column({ name: 'client_uri', type: 'varchar', length: 2000, nullable: true })
  clientUri!: string | null;

  /** Whether users may take back single scopes rather than the whole authorization. */
  @Column({ name: 'allow_scope_removal', type: 'boolean', default: true })
  allowScopeRemoval!: boolean;

  /**
   * The operator's own app: its users are not asked for consent again at every authorization
   * (as native apps and devices otherwise are).
   */
  @Column({ name: 'first_party', type: 'boolean', default: false })
  firstParty!: boolean;

  /**
   * The audiences (resource indicators) it may exchange its users' access tokens for, acting
   * for them (RFC 8693 token exchange); empty: no token exchange.
   */
  // No `default` here (the migration gives old rows '[]'): with one, TypeORM's insert on
  // PostgreSQL reads the column back (RETURNING) and puts the raw text '[]' into the entity.
  @Column({ name: 'token_exchange_audiences', type: 'simple-json' })
  tokenExchangeAudiences!: string[];
  /** Every authorization for this app needs a second factor in that session (--require-mfa). */
  @Column({ name: 'require_mfa', type: 'boolean', default: false })
  requireMfa!: boolean;

  /** A resource server allowed to call the introspection endpoint. */
  @Column({ type: 'boolean', default: false })
  introspection!: boolean;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
