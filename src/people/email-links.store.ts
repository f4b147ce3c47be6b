import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { hashId } from '../common/hash-id.js';
import { type ExpiringRows, PurgesExpiredRows } from '../database/expired-rows.js';
import { Sql } from '../database/sql.js';
import {
  creationTime,
  LINK_LIFETIMES,
  type LinkPurpose,
  type LinkState,
  linkState,
  newLinkToken,
} from './email-link-rules.js';

export interface EmailLink {
  purpose: LinkPurpose;
  userId: string | null;
  email: string;
  /** What the link carries besides its person (an invitation's name and role), JSON. */
  data: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

interface Row {
  purpose: string;
  user_id: string | null;
  email: string;
  data: string | null;
  created_at: number | string;
  expires_at: number | string;
  used_at: number | string | null;
  newest: number | string | null;
}

/**
 * "The same kind for the same person": a link for a user (verification, reset, email change)
 * is about that user; an invitation, which has no user yet, is about its address.
 */
const SAME_SUBJECT = `newer.purpose = email_links.purpose
  AND COALESCE(newer.user_id, newer.email) = COALESCE(email_links.user_id, email_links.email)`;

/**
 * The one owner of `email_links`: the links Gatehouse emails (verification, password reset,
 * invitation, email change), stored only as the SHA-256 of their token. A link is used at most
 * once (an atomic conditional UPDATE), expires, and is superseded by a newer one of its kind for
 * the same person (see email-link-rules.ts).
 */
@Injectable()
@PurgesExpiredRows()
export class EmailLinksStore implements ExpiringRows {
  private readonly sql: Sql;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new Sql(dataSource);
  }

  /** A new link; returns its token, which exists nowhere else: put it in the email. */
  async issue(
    purpose: LinkPurpose,
    subject: { userId?: string; email: string },
    data: Record<string, unknown> = {},
    now = Date.now(),
  ): Promise<{ token: string; expiresAt: number }> {
    const [newest] = await this.sql.query<{ newest: number | string | null }>(
      `SELECT MAX(created_at) AS newest FROM email_links
       WHERE purpose = ? AND COALESCE(user_id, email) = ?`,
      [purpose, subject.userId ?? subject.email],
    );
    const createdAt = creationTime(now, toNumber(newest?.newest));
    const expiresAt = createdAt + LINK_LIFETIMES[purpose] * 1000;
    const token = newLinkToken();
    await this.sql.query(
      `INSERT INTO email_links (token_hash, purpose, user_id, email, data, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        hashId(token),
        purpose,
        subject.userId ?? null,
        subject.email,
        JSON.stringify(data),
        createdAt,
        expiresAt,
      ],
    );
    return { token, expiresAt };
  }

  /** The link a token names, of `purpose`, and whether it may be used now; undefined if none. */
  async find(
    purpose: LinkPurpose,
    token: string,
    now = Date.now(),
  ): Promise<{ link: EmailLink; state: LinkState } | undefined> {
    const [row] = await this.sql.query<Row>(
      `SELECT purpose, user_id, email, data, created_at, expires_at, used_at,
         (SELECT MAX(newer.created_at) FROM email_links newer WHERE ${SAME_SUBJECT}) AS newest
       FROM email_links WHERE token_hash = ? AND purpose = ?`,
      [hashId(token), purpose],
    );
    if (!row) {
      return undefined;
    }
    const link = toLink(row);
    return { link, state: linkState(link, toNumber(row.newest) ?? link.createdAt, now) };
  }

  /**
   * Uses the link, if it still may be used: one conditional UPDATE, so of two concurrent
   * uses exactly one gets the link; the other (and any later one) gets undefined.
   */
  async consume(
    purpose: LinkPurpose,
    token: string,
    now = Date.now(),
  ): Promise<EmailLink | undefined> {
    const [row] = await this.sql.query<Row>(
      `UPDATE email_links SET used_at = ?
       WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
         AND NOT EXISTS (SELECT 1 FROM email_links newer
                         WHERE ${SAME_SUBJECT} AND newer.created_at > email_links.created_at)
       RETURNING purpose, user_id, email, data, created_at, expires_at, used_at, NULL AS newest`,
      [now, hashId(token), purpose, now],
    );
    return row ? toLink(row) : undefined;
  }

  async purgeExpired(now: number): Promise<number> {
    const rows = await this.sql.query(
      'DELETE FROM email_links WHERE expires_at <= ? RETURNING token_hash',
      [now],
    );
    return rows.length;
  }
}

function toNumber(value: number | string | null | undefined): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}

function toLink(row: Row): EmailLink {
  return {
    purpose: row.purpose as LinkPurpose,
    userId: row.user_id,
    email: row.email,
    data: row.data ? (JSON.parse(row.data) as Record<string, unknown>) : {},
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    usedAt: toNumber(row.used_at) ?? null,
  };
}
