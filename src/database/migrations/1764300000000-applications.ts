import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialect } from './dialect.js';

/**
 * Applications and authorizations: what an admin manages and a user sees.
 * - `clients`: the previous secret and until when it still works after a rotation (a grace
 *   period for deployments to roll over), the app's logo and homepage, and whether users may
 *   take back single scopes.
 * - `grant_usage`: when an authorization (a Grant, by its row key) was last used.
 * - `audit_events`: security-relevant events, append-only.
 */
export class Applications1764300000000 implements MigrationInterface {
  name = 'Applications1764300000000';

  async up(q: QueryRunner): Promise<void> {
    const d = dialect(q);
    await q.query('ALTER TABLE "clients" ADD COLUMN "previous_secret_hash" varchar(64)');
    await q.query('ALTER TABLE "clients" ADD COLUMN "previous_secret_expires_at" bigint');
    await q.query('ALTER TABLE "clients" ADD COLUMN "logo_uri" varchar(2000)');
    await q.query('ALTER TABLE "clients" ADD COLUMN "client_uri" varchar(2000)');
    await q.query(
      `ALTER TABLE "clients" ADD COLUMN "allow_scope_removal" boolean NOT NULL DEFAULT ${d.true}`,
    );
    await q.query(`CREATE TABLE "grant_usage" (
      "grant_key" varchar(64) PRIMARY KEY NOT NULL,
      "last_used_at" bigint NOT NULL
    )`);
    await q.query(`CREATE TABLE "audit_events" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "at" bigint NOT NULL,
      "event" varchar(64) NOT NULL,
      "outcome" varchar(16) NOT NULL,
      "actor_id" varchar(64),
      "client_id" varchar(64),
      "ip" varchar(64),
      "details" text
    )`);
    await q.query('CREATE INDEX "idx_audit_events_at" ON "audit_events" ("at")');
    await q.query('CREATE INDEX "idx_audit_events_event" ON "audit_events" ("event", "at")');
    await q.query('CREATE INDEX "idx_audit_events_actor" ON "audit_events" ("actor_id", "at")');
    await q.query('CREATE INDEX "idx_audit_events_client" ON "audit_events" ("client_id", "at")');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE "audit_events"');
    await q.query('DROP TABLE "grant_usage"');
    for (const column of [
      'allow_scope_removal',
      'client_uri',
      'logo_uri',
      'previous_secret_expires_at',
      'previous_secret_hash',
    ]) {
      await q.query(`ALTER TABLE "clients" DROP COLUMN "${column}"`);
    }
  }
}
