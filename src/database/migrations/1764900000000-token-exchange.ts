import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audiences (resource indicators) an application may exchange its users' access tokens
 * for (RFC 8693 token exchange), as a JSON list; empty: it may not exchange at all.
 */
export class TokenExchange1764900000000 implements MigrationInterface {
  name = 'TokenExchange1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "clients" ADD COLUMN "token_exchange_audiences" text NOT NULL DEFAULT '[]'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE "clients" DROP COLUMN "token_exchange_audiences"');
  }
}
