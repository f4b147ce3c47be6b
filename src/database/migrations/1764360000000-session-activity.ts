import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What oidc-provider's sessions do not record and /account/sessions shows: for each browser
 * session (keyed like its `Session` row, by the hash of the session id), the browser, the
 * address, when it started and when it was last seen (epoch ms). Rows go with their session.
 */
export class SessionActivity1764360000000 implements MigrationInterface {
  name = 'SessionActivity1764360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "session_activity" (
      "session_key" varchar(64) PRIMARY KEY NOT NULL,
      "account_id" varchar(36) NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
      "user_agent" varchar(512),
      "ip" varchar(64),
      "started_at" bigint NOT NULL,
      "last_seen_at" bigint NOT NULL
    )`);
    await q.query(
      'CREATE INDEX "idx_session_activity_account" ON "session_activity" ("account_id")',
    );
    await q.query(
      'CREATE INDEX "idx_session_activity_last_seen" ON "session_activity" ("last_seen_at")',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE "session_activity"');
  }
}
