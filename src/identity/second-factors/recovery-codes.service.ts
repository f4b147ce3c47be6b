import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { sha256Base64url } from '../../common/sha256.js';
import { Sql } from '../../database/sql.js';

/** How many codes a person gets at a time. */
export const RECOVERY_CODE_COUNT = 10;
/** Lower-case letters and digits without the look-alikes 0/o, 1/l/i: 31 symbols. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
/** 12 symbols of 31: about 59 bits each, shown as xxxx-xxxx-xxxx. */
const LENGTH = 12;

/**
 * The one owner of `recovery_codes`: single-use codes for when the authenticator app (or the
 * passkey) is lost. Only their SHA-256 is stored: each has ~59 random bits, so (unlike a
 * password) a fast hash cannot be reversed by guessing, and the second-factor throttle caps
 * online guessing. Using one marks it used in the statement that checks it, so it works once.
 */
@Injectable()
export class RecoveryCodes {
  private readonly sql: Sql;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new Sql(dataSource);
  }

  /** A new set of codes for `userId`, replacing every earlier one; shown once, then hashed. */
  async generate(userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
    await this.sql.query('DELETE FROM recovery_codes WHERE user_id = ?', [userId]);
    const now = Date.now();
    for (const code of codes) {
      await this.sql.query(
        'INSERT INTO recovery_codes (code_hash, user_id, used_at, created_at) VALUES (?, ?, NULL, ?)',
        [hashOf(code), userId, now],
      );
    }
    return codes;
  }

  /** How many unused codes `userId` has. */
  async remaining(userId: string): Promise<number> {
    const [row] = await this.sql.query<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL',
      [userId],
    );
    return Number(row?.n ?? 0);
  }

  /** Uses one of `userId`'s codes: how many are left after it, or undefined if it is not one. */
  async use(userId: string, typed: string): Promise<number | undefined> {
    const normalized = normalize(typed);
    if (normalized.length !== LENGTH) {
      return undefined;
    }
    const used = await this.sql.query(
      `UPDATE recovery_codes SET used_at = ?
       WHERE code_hash = ? AND user_id = ? AND used_at IS NULL RETURNING code_hash`,
      [Date.now(), hashOf(normalized), userId],
    );
    return used.length === 1 ? this.remaining(userId) : undefined;
  }

  /** Deletes every code of `userId`; how many unused ones there were. */
  async removeAll(userId: string): Promise<number> {
    const rows = await this.sql.query<{ used_at: unknown }>(
      'DELETE FROM recovery_codes WHERE user_id = ? RETURNING used_at',
      [userId],
    );
    return rows.filter((row) => row.used_at === null).length;
  }
}

function newCode(): string {
  const symbols = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return [0, 4, 8].map((at) => symbols.slice(at, at + 4).join('')).join('-');
}

/** What people type: any case, with or without the dashes, spaces around. */
function normalize(typed: string): string {
  return typed.toLowerCase().replace(/[\s-]+/g, '');
}

function hashOf(code: string): string {
  return sha256Base64url(normalize(code));
}
