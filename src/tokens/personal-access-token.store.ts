import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type ExpiringRows, PurgesExpiredRows } from '../database/expired-rows.js';
import { Sql } from '../database/sql.js';

/** A personal access token as stored: its value only as a hash (BIGINTs may be strings). */
export interface StoredPersonalAccessToken {
  id: string;
  user_id: string;
  name: string;
  hint: string;
  scope: string;
  created_at: number | string;
  expires_at: number | string;
  last_used_at: number | string | null;
}

export interface NewStoredPersonalAccessToken {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  hint: string;
  scope: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * The one owner of `personal_access_tokens`: the account pages create, list and revoke them,
 * the token layer's verifier looks them up by hash. A user's deletion removes theirs (the
 * foreign key cascades).
 */
@Injectable()
@PurgesExpiredRows()
export class PersonalAccessTokenStore implements ExpiringRows {
  private readonly sql: Sql;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new Sql(dataSource);
  }

  async insert(token: NewStoredPersonalAccessToken): Promise<void> {
    await this.sql.query(
      `INSERT INTO personal_access_tokens
         (id, user_id, name, token_hash, hint, scope, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        token.id,
        token.userId,
        token.name,
        token.tokenHash,
        token.hint,
        token.scope,
        token.createdAt,
        token.expiresAt,
      ],
    );
  }

  /** A user's tokens, newest first. */
  listForUser(userId: string): Promise<StoredPersonalAccessToken[]> {
    return this.sql.query<StoredPersonalAccessToken>(
      `SELECT id, user_id, name, hint, scope, created_at, expires_at, last_used_at
       FROM personal_access_tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC`,
      [userId],
    );
  }

  /** Deletes one of a user's tokens; whether there was one. */
  async deleteForUser(userId: string, id: string): Promise<boolean> {
    const deleted = await this.sql.query<{ id: string }>(
      'DELETE FROM personal_access_tokens WHERE id = ? AND user_id = ? RETURNING id',
      [id, userId],
    );
    return deleted.length > 0;
  }

  /** Deletes every token of a user; how many went. */
  async deleteAllForUser(userId: string): Promise<number> {
    const rows = await this.sql.query(
      'DELETE FROM personal_access_tokens WHERE user_id = ? RETURNING id',
      [userId],
    );
    return rows.length;
  }

  async findByHash(tokenHash: string): Promise<StoredPersonalAccessToken | undefined> {
    const [row] = await this.sql.query<StoredPersonalAccessToken>(
      `SELECT id, user_id, name, hint, scope, created_at, expires_at, last_used_at
       FROM personal_access_tokens WHERE token_hash = ?`,
      [tokenHash],
    );
    return row;
  }

  async recordUse(id: string, at: number): Promise<void> {
    await this.sql.query('UPDATE personal_access_tokens SET last_used_at = ? WHERE id = ?', [
      at,
      id,
    ]);
  }

  /** Deletes expired tokens; how many went. */
  async purgeExpired(now: number): Promise<number> {
    const rows = await this.sql.query(
      'DELETE FROM personal_access_tokens WHERE expires_at <= ? RETURNING id',
      [now],
    );
    return rows.length;
  }
}
