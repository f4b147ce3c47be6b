import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The resource server's tables: `revocations` (what JWT access tokens can no longer be trusted
 * for, read into memory by every instance) and `drive_files` (the sample Drive API).
 */
export class ResourceServer1764290000000 implements MigrationInterface {
  name = 'ResourceServer1764290000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "revocations" (
      "kind" varchar(16) NOT NULL,
      "key" varchar(64) NOT NULL,
      "revoked_at" bigint NOT NULL,
      "expires_at" bigint NOT NULL,
      PRIMARY KEY ("kind", "key")
    )`);
    await q.query(`CREATE INDEX "idx_revocations_revoked_at" ON "revocations" ("revoked_at")`);
    await q.query(`CREATE TABLE "drive_files" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "owner_id" varchar(36) NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
      "name" varchar(255) NOT NULL,
      "media_type" varchar(127) NOT NULL,
      "content" text NOT NULL,
      "size" integer NOT NULL,
      "created_at" bigint NOT NULL
    )`);
    await q.query(
      `CREATE INDEX "idx_drive_files_owner" ON "drive_files" ("owner_id", "created_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE "drive_files"');
    await q.query('DROP TABLE "revocations"');
  }
}
