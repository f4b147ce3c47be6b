import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, LessThanOrEqual } from 'typeorm';
import { Sql } from '../../database/sql.js';
import { THROTTLE_TABLE } from '../../database/rate-limiter.js';
import { OidcPayloadEntity } from './oidc-payload.entity.js';

/** Housekeeping for the adapter's table: expired rows are dead weight (reads ignore them). */
@Injectable()
export class TokenMaintenanceService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Deletes every expired session, interaction, code, token and grant, expired sign-in
   * throttling counters, revocations no token can outlive and the polling records of expired
   * device codes; returns how many rows went.
   */
  async purgeExpired(now = Date.now()): Promise<number> {
    const payloads = await this.dataSource
      .getRepository(OidcPayloadEntity)
      .delete({ expiresAt: LessThanOrEqual(now) });
    const sql = new Sql(this.dataSource);
    const counters = await sql.query<{ key: string }>(
      `DELETE FROM ${THROTTLE_TABLE} WHERE expire IS NOT NULL AND expire <= ? RETURNING key`,
      [now],
    );
    const revocations = await sql.query<{ key: string }>(
      'DELETE FROM revocations WHERE expires_at <= ? RETURNING key',
      [now],
    );
    const polls = await sql.query<{ code_key: string }>(
      'DELETE FROM device_polls WHERE expires_at <= ? RETURNING code_key',
      [now],
    );
    return (payloads.affected ?? 0) + counters.length + revocations.length + polls.length;
  }
}
