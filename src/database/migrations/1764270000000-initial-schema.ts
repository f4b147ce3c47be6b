import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialect } from './dialect.js';

/** Users, applications, oidc-provider's records (sessions, codes, tokens...) and signing keys. */
export class InitialSchema1764270000000 implements MigrationInterface {
  name = 'InitialSchema1764270000000';

  async up(q: QueryRunner): Promise<void> {
    const d = dialect(q);
    await q.query(`CREATE TABLE "users" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "email" varchar(320) NOT NULL UNIQUE,
      "name" varchar(200),
      "password_hash" varchar(200) NOT NULL,
      "is_admin" boolean NOT NULL DEFAULT ${d.false},
      "created_at" ${d.timestamp} NOT NULL DEFAULT ${d.now},
      "updated_at" ${d.timestamp} NOT NULL DEFAULT ${d.now}
    )`);
    await q.query(`CREATE TABLE "clients" (
      "id" varchar(64) PRIMARY KEY NOT NULL,
      "name" varchar(200) NOT NULL,
      "type" varchar(16) NOT NULL,
      "secret_hash" varchar(64),
      "redirect_uris" text NOT NULL,
      "post_logout_redirect_uris" text NOT NULL,
      "scope" text NOT NULL,
      "introspection" boolean NOT NULL DEFAULT ${d.false},
      "created_at" ${d.timestamp} NOT NULL DEFAULT ${d.now},
      "updated_at" ${d.timestamp} NOT NULL DEFAULT ${d.now}
    )`);
    await q.query(`CREATE TABLE "oidc_payloads" (
      "kind" varchar(40) NOT NULL,
      "id" varchar(64) NOT NULL,
      "payload" text NOT NULL,
      "grant_id" varchar(64),
      "user_code" varchar(64),
      "uid" varchar(64),
      "account_id" varchar(64),
      "client_id" varchar(64),
      "expires_at" bigint,
      "consumed_at" bigint,
      PRIMARY KEY ("kind", "id")
    )`);
    await q.query(`CREATE INDEX "idx_oidc_payloads_grant" ON "oidc_payloads" ("grant_id")`);
    await q.query(`CREATE INDEX "idx_oidc_payloads_uid" ON "oidc_payloads" ("uid")`);
    await q.query(`CREATE INDEX "idx_oidc_payloads_user_code" ON "oidc_payloads" ("user_code")`);
    await q.query(
      `CREATE INDEX "idx_oidc_payloads_account_client" ON "oidc_payloads" ("account_id", "client_id")`,
    );
    await q.query(`CREATE INDEX "idx_oidc_payloads_expires" ON "oidc_payloads" ("expires_at")`);
    await q.query(`CREATE TABLE "keys" (
      "kid" varchar(64) PRIMARY KEY NOT NULL,
      "use" varchar(16) NOT NULL,
      "material" text NOT NULL,
      "created_at" bigint NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['keys', 'oidc_payloads', 'clients', 'users']) {
      await q.query(`DROP TABLE "${table}"`);
    }
  }
}
