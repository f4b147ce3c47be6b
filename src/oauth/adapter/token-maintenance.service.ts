import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, LessThanOrEqual } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { Sql } from '../../database/sql.js';
import { THROTTLE_TABLE } from '../../database/rate-limiter.js';
import { OidcPayloadEntity } from './oidc-payload.entity.js';

/** Housekeeping for the adapter's table: expired rows are dead weight (reads ignore them). */
@Injectable()
export class TokenMaintenanceService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Deletes every expired session, interaction, code, token and grant, expired sign-in
   * throttling counters, revocations no token can outlive, the polling records of expired
   * device codes, expired personal access tokens and DPoP proof ids, and audit events older
   * than AUDIT_RETENTION;
   * returns how many rows went.
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
    const personalTokens = await sql.query<{ id: string }>(
      'DELETE FROM personal_access_tokens WHERE expires_at <= ? RETURNING id',
      [now],
    );
    const proofs = await sql.query<{ jti_key: string }>(
      'DELETE FROM dpop_proofs WHERE expires_at <= ? RETURNING jti_key',
      [now],
    );
    const auditEvents = await sql.query<{ id: string }>(
      'DELETE FROM audit_events WHERE at <= ? RETURNING id',
      [now - this.config.auditRetention * 1000],
    );
    return (
      (payloads.affected ?? 0) +
      counters.length +
      revocations.length +
      polls.length +
      personalTokens.length +
      proofs.length +
      auditEvents.length
    );
  }
}
