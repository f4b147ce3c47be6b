import { Logger } from '@nestjs/common';
import pg from 'pg';
import type { Sql } from '../database/sql.js';

/** One revocation as every instance applies it (times in epoch ms). */
export interface RevocationNotice {
  kind: 'grant' | 'client' | 'token';
  key: string;
  revokedAt: number;
  expiresAt: number;
}

/** PostgreSQL's channel for them (LISTEN/NOTIFY). */
const CHANNEL = 'gatehouse_revocations';
/** After a lost connection, try again this often; the periodic sync covers the gap. */
const RECONNECT_MS = 2000;

/**
 * Tells every instance of a revocation at once: PostgreSQL's own LISTEN/NOTIFY, on one
 * dedicated connection per process (https://www.postgresql.org/docs/current/sql-notify.html).
 * A notification is delivered when the revoking transaction commits, to every listener of the
 * database. It is an accelerator only: the revocation is in the `revocations` table first, and
 * the periodic sync still reads it (a notification sent while a listener reconnects is missed).
 */
export class PostgresRevocationFeed {
  private readonly logger = new Logger(PostgresRevocationFeed.name);
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly sql: Sql,
  ) {}

  /** Sends a notice to every listener (this process's included). */
  async publish(notice: RevocationNotice): Promise<void> {
    await this.sql.query('SELECT pg_notify(?, ?)', [CHANNEL, JSON.stringify(notice)]);
  }

  /** Listens until {@link stop}; reconnects by itself. Resolves once listening (or failed once). */
  async listen(onNotice: (notice: RevocationNotice) => void): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) {
        return;
      }
      try {
        onNotice(JSON.parse(message.payload) as RevocationNotice);
      } catch (error) {
        this.logger.warn(`Ignored a malformed revocation notice: ${String(error)}`);
      }
    });
    client.on('error', (error) => this.retry(onNotice, error));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      this.retry(onNotice, error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.client?.end().catch(() => undefined);
  }

  private retry(onNotice: (notice: RevocationNotice) => void, error: unknown): void {
    if (this.stopped || this.timer) {
      return;
    }
    this.logger.warn(`Revocation notifications paused (${String(error)}); retrying`);
    void this.client?.end().catch(() => undefined);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) {
        void this.listen(onNotice);
      }
    }, RECONNECT_MS);
    this.timer.unref();
  }
}
