import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Passkeys (WebAuthn credentials) and the challenges of their ceremonies.
 *
 * `passkeys`: one row per credential a user registered, with what WebAuthn §7.1 step 26 says to
 * keep: the credential id and public key (COSE, base64url), the signature counter, the
 * transports the browser reported, and whether the credential is single- or multi-device and
 * backed up (the BE/BS flags). Times are epoch ms; rows go with their user.
 *
 * `passkey_challenges`: the one challenge a browser session (or sign-in page) may answer, keyed
 * by the hash of what it is bound to; single use (deleted when answered) and short-lived.
 */
export class Passkeys1764600000000 implements MigrationInterface {
  name = 'Passkeys1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "passkeys" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "user_id" varchar(36) NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
      "credential_id" varchar(1400) NOT NULL,
      "public_key" text NOT NULL,
      "counter" bigint NOT NULL DEFAULT 0,
      "transports" varchar(200) NOT NULL DEFAULT '',
      "name" varchar(100) NOT NULL,
      "device_type" varchar(16) NOT NULL,
      "backed_up" integer NOT NULL DEFAULT 0,
      "created_at" bigint NOT NULL,
      "last_used_at" bigint
    )`);
    await q.query('CREATE UNIQUE INDEX "idx_passkeys_credential" ON "passkeys" ("credential_id")');
    await q.query('CREATE INDEX "idx_passkeys_user" ON "passkeys" ("user_id")');
    await q.query(`CREATE TABLE "passkey_challenges" (
      "binding_key" varchar(64) PRIMARY KEY NOT NULL,
      "challenge" varchar(128) NOT NULL,
      "user_id" varchar(36) REFERENCES "users" ("id") ON DELETE CASCADE,
      "expires_at" bigint NOT NULL
    )`);
    await q.query(
      'CREATE INDEX "idx_passkey_challenges_expires" ON "passkey_challenges" ("expires_at")',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE "passkey_challenges"');
    await q.query('DROP TABLE "passkeys"');
  }
}
