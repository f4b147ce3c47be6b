import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The device flow's polling record (RFC 8628 §3.5): when each device code was last polled and
 * the interval it must keep, which grows by 5 s at every `slow_down`. Shared by instances.
 */
export class DeviceFlow1764310000000 implements MigrationInterface {
  name = 'DeviceFlow1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "device_polls" (
      "code_key" varchar(64) PRIMARY KEY NOT NULL,
      "interval_seconds" integer NOT NULL,
      "last_polled_at" bigint NOT NULL,
      "expires_at" bigint NOT NULL
    )`);
    await q.query('CREATE INDEX "idx_device_polls_expires" ON "device_polls" ("expires_at")');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE "device_polls"');
  }
}
