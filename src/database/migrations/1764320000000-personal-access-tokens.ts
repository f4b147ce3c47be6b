import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Personal access tokens: named, scoped, expiring tokens a user makes for scripts. Only the
 * SHA-256 of a token is stored, with its first characters to recognise it by.
 */
export class PersonalAccessTokens1764320000000 implements MigrationInterface {
  name = 'PersonalAccessTokens1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "personal_access_tokens" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "user_id" varchar(36) NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
      "name" varchar(100) NOT NULL,
      "token_hash" varchar(64) NOT NULL UNIQUE,
      "hint" varchar(16) NOT NULL,
      "scope" text NOT NULL,
      "created_at" bigint NOT NULL,
      "expires_at" bigint NOT NULL,
      "last_used_at" bigint
    )`);
    await q.query(
      'CREATE INDEX "idx_personal_access_tokens_user" ON "personal_access_tokens" ("user_id", "created_at")',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE "personal_access_tokens"');
  }
}
