import { type ExpiringRows, PurgesExpiredRows } from '../../database/expired-rows.js';
import type { Sql } from '../../database/sql.js';
import { hashId } from '../../common/hash-id.js';

/** RFC 8628 §3.5: "the interval MUST be increased by 5 seconds" at every slow_down. */
export const SLOW_DOWN_STEP_SECONDS = 5;
/**
 * Network and timer jitter: a poll this much early still counts as on time, so a client that
 * waits exactly `interval` is not punished for a late packet.
 */
const JITTER_MS = 250;

interface PollRow {
  interval_seconds: number | string;
  last_polled_at: number | string;
}

/**
 * Enforces the polling interval of the device flow (RFC 8628 §3.5) across instances: each poll
 * of a device code is recorded; one that comes sooner than the code's interval is answered
 * `slow_down`, and the interval grows by 5 s for this and every later poll. (oidc-provider
 * itself answers `authorization_pending`, `access_denied` and `expired_token`.)
 */
@PurgesExpiredRows()
export class DevicePolling implements ExpiringRows {
  /** `interval`: the seconds a new device code's client must wait (DEVICE_POLL_INTERVAL). */
  constructor(
    private readonly sql: Sql,
    readonly interval: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records a poll of `deviceCode` (valid until `expiresAt`); returns the interval the client
   * must now keep if it polled too soon, or undefined when it was on time.
   */
  async poll(deviceCode: string, expiresAt: number): Promise<number | undefined> {
    const key = hashId(deviceCode);
    const now = this.now();
    const [row] = await this.sql.query<PollRow>(
      'SELECT interval_seconds, last_polled_at FROM device_polls WHERE code_key = ?',
      [key],
    );
    if (!row) {
      await this.sql.query(
        `INSERT INTO device_polls (code_key, interval_seconds, last_polled_at, expires_at)
         VALUES (?, ?, ?, ?) ON CONFLICT (code_key) DO UPDATE SET last_polled_at = excluded.last_polled_at`,
        [key, this.interval, now, expiresAt],
      );
      return undefined;
    }
    const interval = Number(row.interval_seconds);
    const tooSoon = now - Number(row.last_polled_at) < interval * 1000 - JITTER_MS;
    const next = tooSoon ? interval + SLOW_DOWN_STEP_SECONDS : interval;
    await this.sql.query(
      'UPDATE device_polls SET interval_seconds = ?, last_polled_at = ? WHERE code_key = ?',
      [next, now, key],
    );
    return tooSoon ? next : undefined;
  }

  /** Forgets the polls of device codes that have expired; how many went. */
  async purgeExpired(now: number): Promise<number> {
    const rows = await this.sql.query(
      'DELETE FROM device_polls WHERE expires_at <= ? RETURNING code_key',
      [now],
    );
    return rows.length;
  }
}
