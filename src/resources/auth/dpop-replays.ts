import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { sha256Base64url } from '../../common/sha256.js';
import { type ExpiringRows, PurgesExpiredRows } from '../../database/expired-rows.js';
import { Sql } from '../../database/sql.js';
import type { ReplayMemory } from './dpop-proof.js';

/**
 * The DPoP proof ids seen lately, in the database (the one owner of `dpop_proofs`): every
 * instance refuses a proof any of them accepted (RFC 9449 §11.1). One conditional insert per
 * DPoP request; an expired row is reclaimed by the next proof with its id, or by the purge.
 */
@Injectable()
@PurgesExpiredRows()
export class DpopReplays implements ReplayMemory, ExpiringRows {
  private readonly sql: Sql;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new Sql(dataSource);
  }

  async firstUse(id: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    const claimed = await this.sql.query<{ jti_key: string }>(
      `INSERT INTO dpop_proofs (jti_key, expires_at) VALUES (?, ?)
       ON CONFLICT (jti_key) DO UPDATE SET expires_at = excluded.expires_at
         WHERE dpop_proofs.expires_at <= ?
       RETURNING jti_key`,
      [sha256Base64url(id), now + ttlMs, now],
    );
    return claimed.length === 1;
  }

  async purgeExpired(now: number): Promise<number> {
    const rows = await this.sql.query(
      'DELETE FROM dpop_proofs WHERE expires_at <= ? RETURNING jti_key',
      [now],
    );
    return rows.length;
  }
}
