import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialect } from './dialect.js';

/**
 * Second factors (issue 12): a person's authenticator app (RFC 6238 TOTP; its secret sealed
 * with KEYS_ENCRYPTION_KEY when one is set, `last_step` the last time step accepted, so a code
 * works once), their single-use recovery codes (SHA-256 only), and applications that require a
 * second factor of everyone who signs in to them.
 */
export class SecondFactors1764500000000 implements MigrationInterface {
  name = 'SecondFactors1764500000000';

  async up(q: QueryRunner): Promise<void> {
    const d = dialect(q);
    await q.query(`CREATE TABLE "totp_authenticators" (
      "user_id" varchar(36) PRIMARY KEY NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
      "secret" text NOT NULL,
      "confirmed_at" bigint,
      "last_step" bigint,
      "created_at" bigint NOT NULL
    )`);
    await q.query(`CREATE TABLE "recovery_codes" (
      "code_hash" varchar(64) PRIMARY KEY NOT NULL,
      "user_id" varchar(36) NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
      "used_at" bigint,
      "created_at" bigint NOT NULL
    )`);
    await q.query('CREATE INDEX "idx_recovery_codes_user" ON "recovery_codes" ("user_id")');
    await q.query(
      `ALTER TABLE "clients" ADD COLUMN "require_mfa" boolean NOT NULL DEFAULT ${d.false}`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE "clients" DROP COLUMN "require_mfa"');
    await q.query('DROP TABLE "recovery_codes"');
    await q.query('DROP TABLE "totp_authenticators"');
  }
}
