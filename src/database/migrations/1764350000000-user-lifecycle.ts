import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The people's lifecycle: when a user's email address was confirmed, when the user was
 * disabled, when they last signed in (epoch milliseconds, null when not), and the links Gatehouse
 * emails (verification, password reset, invitation, email change), stored only as hashes.
 */
export class UserLifecycle1764350000000 implements MigrationInterface {
  name = 'UserLifecycle1764350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE "users" ADD COLUMN "email_verified_at" bigint');
    await q.query('ALTER TABLE "users" ADD COLUMN "disabled_at" bigint');
    await q.query('ALTER TABLE "users" ADD COLUMN "last_sign_in_at" bigint');
    await q.query(`CREATE TABLE "email_links" (
      "token_hash" varchar(64) PRIMARY KEY NOT NULL,
      "purpose" varchar(32) NOT NULL,
      "user_id" varchar(36) REFERENCES "users" ("id") ON DELETE CASCADE,
      "email" varchar(320) NOT NULL,
      "data" text,
      "created_at" bigint NOT NULL,
      "expires_at" bigint NOT NULL,
      "used_at" bigint
    )`);
    await q.query('CREATE INDEX "idx_email_links_email" ON "email_links" ("purpose", "email")');
    await q.query('CREATE INDEX "idx_email_links_user" ON "email_links" ("user_id")');
    await q.query('CREATE INDEX "idx_email_links_expires" ON "email_links" ("expires_at")');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE "email_links"');
    await q.query('ALTER TABLE "users" DROP COLUMN "last_sign_in_at"');
    await q.query('ALTER TABLE "users" DROP COLUMN "disabled_at"');
    await q.query('ALTER TABLE "users" DROP COLUMN "email_verified_at"');
  }
}
