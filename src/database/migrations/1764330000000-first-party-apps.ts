import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialect } from './dialect.js';

/**
 * Applications an operator vouches for as their own: their users are not asked for consent
 * again at each authorization (native apps and devices otherwise are, RFC 8252 §8.6).
 */
export class FirstPartyApps1764330000000 implements MigrationInterface {
  name = 'FirstPartyApps1764330000000';

  async up(q: QueryRunner): Promise<void> {
    const d = dialect(q);
    await q.query(
      `ALTER TABLE "clients" ADD COLUMN "first_party" boolean NOT NULL DEFAULT ${d.false}`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE "clients" DROP COLUMN "first_party"');
  }
}
