import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * DPoP proof ids seen by the resource guard (RFC 9449 §11.1), shared by instances so that a
 * proof replayed to another instance is refused too. Rows live as long as a proof is accepted.
 */
export class DpopProofs1764340000000 implements MigrationInterface {
  name = 'DpopProofs1764340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "dpop_proofs" (
      "jti_key" varchar(64) PRIMARY KEY NOT NULL,
      "expires_at" bigint NOT NULL
    )`);
    await q.query('CREATE INDEX "idx_dpop_proofs_expires" ON "dpop_proofs" ("expires_at")');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE "dpop_proofs"');
  }
}
