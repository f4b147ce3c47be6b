import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Failed sign-in counters, shared by every instance (the schema rate-limiter-flexible uses). */
export class LoginThrottle1764280000000 implements MigrationInterface {
  name = 'LoginThrottle1764280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "login_throttle" (
      "key" varchar(255) PRIMARY KEY NOT NULL,
      "points" integer NOT NULL DEFAULT 0,
      "expire" bigint
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE "login_throttle"');
  }
}
