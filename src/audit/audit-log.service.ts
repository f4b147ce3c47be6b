import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { UserInputError } from '../common/errors.js';
import { Sql } from '../database/sql.js';
import { signIns } from '../common/metrics.js';
import {
  type AuditEntry,
  type AuditEventName,
  type AuditOutcome,
  type AuditRecord,
  redact,
} from './audit-event.js';

export interface AuditQuery {
  event?: AuditEventName;
  outcome?: AuditOutcome;
  actorId?: string;
  clientId?: string;
  /** Only events at or after this time. */
  since?: Date;
  /** Only events before this time. */
  until?: Date;
  /** At most this many, newest first (1-200). */
  limit: number;
  /** Continue a listing: the `next` cursor of the previous page. */
  after?: string;
}

export interface AuditPage {
  events: AuditRecord[];
  /** Present when there are more (older) events. */
  next?: string;
}

interface AuditRow {
  id: string;
  at: number | string;
  event: AuditEventName;
  outcome: AuditOutcome;
  actor_id: string | null;
  client_id: string | null;
  ip: string | null;
  details: string | null;
}

/**
 * The audit trail: every security-relevant event goes to the `audit_events` table (listed at
 * /admin/audit) and to the log as one structured entry (`{"audit": {...}}`; JSON lines with
 * LOG_FORMAT=json). Recording never fails the action it records: a database error is logged.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger('Audit');
  private readonly sql: Sql;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new Sql(dataSource);
  }

  /** Deletes the events recorded before `cutoff` (ms); how many went. */
  async deleteBefore(cutoff: number): Promise<number> {
    const rows = await this.sql.query('DELETE FROM audit_events WHERE at <= ? RETURNING id', [
      cutoff,
    ]);
    return rows.length;
  }

  /**
   * A deleted user's trail keeps its shape but stops naming them: where their id, or the email
   * they signed in with, was the actor or appears in the details, `pseudonym` stands instead.
   * How many events were rewritten.
   */
  async pseudonymize(userId: string, email: string, pseudonym: string): Promise<number> {
    const rows = await this.sql.query(
      `UPDATE audit_events
       SET actor_id = CASE WHEN actor_id IN (?, ?) THEN ? ELSE actor_id END,
           details = REPLACE(REPLACE(details, ?, ?), ?, ?)
       WHERE actor_id IN (?, ?) OR details LIKE ? OR details LIKE ?
       RETURNING id`,
      [
        userId,
        email,
        pseudonym,
        userId,
        pseudonym,
        JSON.stringify(email).slice(1, -1),
        pseudonym,
        userId,
        email,
        `%${userId}%`,
        // An `_` or `%` in the email widens the match, harmless: REPLACE is exact.
        `%${email}%`,
      ],
    );
    return rows.length;
  }

  async record(entry: AuditEntry): Promise<void> {
    if (entry.event === 'user.sign_in') {
      signIns.inc({ outcome: entry.outcome });
    }
    const now = Date.now();
    const record: AuditRecord = {
      id: timeOrderedId(now),
      at: new Date(now),
      event: entry.event,
      outcome: entry.outcome,
      actorId: entry.actor?.id ?? null,
      clientId: entry.clientId ?? null,
      ip: entry.actor?.ip ?? null,
      details: redact(entry.details),
    };
    this.logger.log({ audit: { ...record, at: record.at.toISOString() } });
    try {
      await this.sql.query(
        `INSERT INTO audit_events (id, at, event, outcome, actor_id, client_id, ip, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          record.id,
          record.at.getTime(),
          record.event,
          record.outcome,
          record.actorId,
          record.clientId,
          record.ip?.slice(0, 64) ?? null,
          JSON.stringify(record.details),
        ],
      );
    } catch (error) {
      this.logger.error(
        `Could not store audit event ${record.event} (${record.id}): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Newest first, filtered; `next` continues with older events. */
  async list(query: AuditQuery): Promise<AuditPage> {
    const after = query.after === undefined ? undefined : decodeCursor(query.after);
    if (query.after !== undefined && !after) {
      throw new UserInputError('the page cursor is not valid; start again from the first page');
    }
    const filters: [string, unknown[] | undefined][] = [
      ['event = ?', query.event && [query.event]],
      ['outcome = ?', query.outcome && [query.outcome]],
      ['actor_id = ?', query.actorId ? [query.actorId] : undefined],
      ['client_id = ?', query.clientId ? [query.clientId] : undefined],
      ['at >= ?', query.since && [query.since.getTime()]],
      ['at < ?', query.until && [query.until.getTime()]],
      ['(at < ? OR (at = ? AND id < ?))', after && [after.at, after.at, after.id]],
    ];
    const applied = filters.filter(([, values]) => values !== undefined);
    const where = applied.map(([clause]) => clause);
    const parameters = applied.flatMap(([, values]) => values!);
    const rows = await this.sql.query<AuditRow>(
      `SELECT id, at, event, outcome, actor_id, client_id, ip, details FROM audit_events
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY at DESC, id DESC LIMIT ?`,
      [...parameters, query.limit + 1],
    );
    const events = rows.slice(0, query.limit).map(toRecord);
    const last = events.at(-1);
    return rows.length > query.limit && last ? { events, next: encodeCursor(last) } : { events };
  }
}

let lastMillisecond = 0;
let sequence = 0;

/**
 * A UUIDv7-style id (RFC 9562 §5.7): the millisecond, then a counter, then random bits. Ids
 * sort like the events were recorded, also within one millisecond of one process, so the
 * listing (newest first, by time and then id) keeps the order things happened in.
 */
function timeOrderedId(millisecond: number): string {
  sequence = millisecond === lastMillisecond ? sequence + 1 : 0;
  lastMillisecond = millisecond;
  const random = randomBytes(8);
  random[0] = (random[0] & 0x3f) | 0x80; // the RFC 9562 variant
  const hex =
    millisecond.toString(16).padStart(12, '0') +
    '7' +
    (sequence & 0xfff).toString(16).padStart(3, '0') +
    random.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    at: new Date(Number(row.at)),
    event: row.event,
    outcome: row.outcome,
    actorId: row.actor_id,
    clientId: row.client_id,
    ip: row.ip,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : {},
  };
}

function encodeCursor(record: AuditRecord): string {
  return Buffer.from(`${record.at.getTime()}.${record.id}`).toString('base64url');
}

/** undefined for anything that is not a cursor this service made. */
export function decodeCursor(cursor: string): { at: number; id: string } | undefined {
  const match = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(
    Buffer.from(cursor, 'base64url').toString('utf8'),
  );
  return match ? { at: Number(match[1]), id: match[2] } : undefined;
}
