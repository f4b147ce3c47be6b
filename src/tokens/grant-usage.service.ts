import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Sql } from '../database/sql.js';

/** How often remembered uses are written; "last used" is shown to the minute anyway. */
const FLUSH_INTERVAL_MS = 30_000;

/**
 * When each authorization (grant, by its key) was last used: a token issued for it, or one of
 * its access tokens accepted by the API. Uses are counted in memory and written every 30 s (and
 * at shutdown), so the API's hot path never waits for a write; readers in this process see the
 * pending ones too. Instances each write theirs; the latest wins.
 */
@Injectable()
export class GrantUsage implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(GrantUsage.name);
  private readonly sql: Sql;
  private readonly upsert: string;
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new Sql(dataSource);
    const latest =
      dataSource.options.type === 'postgres'
        ? 'GREATEST(grant_usage.last_used_at, excluded.last_used_at)'
        : 'MAX(grant_usage.last_used_at, excluded.last_used_at)';
    this.upsert = `INSERT INTO grant_usage (grant_key, last_used_at) VALUES (?, ?)
                   ON CONFLICT (grant_key) DO UPDATE SET last_used_at = ${latest}`;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** The grant was used now. */
  touch(grantKey: string, at = Date.now()): void {
    if ((this.pending.get(grantKey) ?? 0) < at) {
      this.pending.set(grantKey, at);
    }
  }

  /** When each of these grants was last used (ms since the epoch); absent if never. */
  async lastUsed(grantKeys: string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (grantKeys.length > 0) {
      const rows = await this.sql.query<{ grant_key: string; last_used_at: number | string }>(
        `SELECT grant_key, last_used_at FROM grant_usage
         WHERE grant_key IN (${grantKeys.map(() => '?').join(', ')})`,
        grantKeys,
      );
      for (const row of rows) {
        found.set(row.grant_key, Number(row.last_used_at));
      }
    }
    for (const key of grantKeys) {
      const pending = this.pending.get(key);
      if (pending !== undefined && pending > (found.get(key) ?? 0)) {
        found.set(key, pending);
      }
    }
    return found;
  }

  /** Writes what was remembered; a failed write is kept for the next attempt. */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const [key, at] of batch) {
      try {
        await this.sql.query(this.upsert, [key, at]);
      } catch (error) {
        this.touch(key, at);
        this.logger.warn(
          `Could not record grant usage: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
}
