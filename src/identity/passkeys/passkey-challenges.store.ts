import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { sha256Base64url } from '../../common/sha256.js';
import { type ExpiringRows, PurgesExpiredRows } from '../../database/expired-rows.js';
import { Sql } from '../../database/sql.js';

/** A challenge handed out and not answered yet. */
export interface PendingChallenge {
  challenge: string;
  /** The user the ceremony is for; null for a discoverable sign-in (anyone's passkey). */
  userId: string | null;
  expiresAt: number;
}

/**
 * The one owner of `passkey_challenges`: at most one outstanding challenge per binding (a
 * browser session, or a sign-in page's interaction) and purpose. A new one replaces the last;
 * taking one deletes it, so it can be answered once (WebAuthn §13.4.3: challenges are
 * single-use), and an expired one is as good as none.
 */
@Injectable()
@PurgesExpiredRows()
export class PasskeyChallengesStore implements ExpiringRows {
  private readonly sql: Sql;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new Sql(dataSource);
  }

  async put(binding: string, pending: PendingChallenge): Promise<void> {
    await this.sql.query(
      `INSERT INTO passkey_challenges (binding_key, challenge, user_id, expires_at)
       VALUES (?, ?, ?, ?)
       ON CONFLICT (binding_key) DO UPDATE SET
         challenge = excluded.challenge, user_id = excluded.user_id,
         expires_at = excluded.expires_at`,
      [keyOf(binding), pending.challenge, pending.userId, pending.expiresAt],
    );
  }

  /** Removes and returns the binding's challenge: whoever takes it first is the only one. */
  async take(binding: string): Promise<PendingChallenge | undefined> {
    const [row] = await this.sql.query<{
      challenge: string;
      user_id: string | null;
      expires_at: number | string;
    }>(
      'DELETE FROM passkey_challenges WHERE binding_key = ? RETURNING challenge, user_id, expires_at',
      [keyOf(binding)],
    );
    return row
      ? { challenge: row.challenge, userId: row.user_id, expiresAt: Number(row.expires_at) }
      : undefined;
  }

  async purgeExpired(now: number): Promise<number> {
    const rows = await this.sql.query(
      'DELETE FROM passkey_challenges WHERE expires_at <= ? RETURNING binding_key',
      [now],
    );
    return rows.length;
  }
}

/** Bindings name sessions and interactions, whose ids are credentials: stored hashed only. */
function keyOf(binding: string): string {
  return sha256Base64url(binding);
}
