import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Secret, TOTP } from 'otpauth';
import type { DataSource } from 'typeorm';
import { ConflictError } from '../../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { Sql } from '../../database/sql.js';
import { isSealed, seal, unseal } from '../../keys/key-seal.js';

/**
 * RFC 6238 as every authenticator app reads it (Google Authenticator, 1Password, Aegis...):
 * HMAC-SHA-1, 6 digits, 30-second steps, a 160-bit secret (RFC 4226 §4 recommends 160).
 */
const PERIOD = 30;
const DIGITS = 6;
const SECRET_BYTES = 20;
/** One step of clock drift either way (RFC 6238 §5.2 recommends at most one). */
const WINDOW = 1;

interface StoredAuthenticator {
  user_id: string;
  secret: string;
  confirmed_at: number | string | null;
  last_step: number | string | null;
}

/** An authenticator app being set up: what the page shows (QR code of `uri`, and `secret`). */
export interface Enrolment {
  /** Base32, as people type it into an app that cannot scan. */
  secret: string;
  /** The `otpauth://totp/...` key URI the QR code carries. */
  uri: string;
}

/**
 * The one owner of `totp_authenticators`: one authenticator app per person. Setting one up
 * stores an unconfirmed secret; it counts only once a code from it was typed (`confirm`).
 * The secret is sealed at rest with KEYS_ENCRYPTION_KEY when one is set (the seal of the
 * signing keys, keys/key-seal.ts, with the row's owner as additional data), and re-sealed
 * with the current key when a previous one opened it. Each accepted code's time step is
 * kept: a code works once, and none older than the last accepted one works (RFC 6238 §5.2).
 */
@Injectable()
export class AuthenticatorApps {
  private readonly sql: Sql;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.sql = new Sql(dataSource);
  }

  /** Whether `userId` has a confirmed authenticator app. */
  async isEnrolled(userId: string): Promise<boolean> {
    const row = await this.row(userId);
    return row !== undefined && row.confirmed_at !== null;
  }

  /**
   * Starts setting up an authenticator app: a new secret, unconfirmed, replacing any earlier
   * unfinished one. `label` names the account in the app (its email).
   * @throws ConflictError when one is set up already (remove it first)
   */
  async begin(userId: string, label: string): Promise<Enrolment> {
    if (await this.isEnrolled(userId)) {
      throw new ConflictError('An authenticator app is already set up. Remove it first.');
    }
    const secret = new Secret({ size: SECRET_BYTES }).base32;
    await this.sql.query('DELETE FROM totp_authenticators WHERE user_id = ?', [userId]);
    await this.sql.query(
      `INSERT INTO totp_authenticators (user_id, secret, confirmed_at, last_step, created_at)
       VALUES (?, ?, NULL, NULL, ?)`,
      [userId, this.sealed(secret, userId), Date.now()],
    );
    return this.enrolment(secret, label);
  }

  /** The unfinished set-up of `userId`, to show again after a mistyped code. */
  async pending(userId: string, label: string): Promise<Enrolment | undefined> {
    const row = await this.row(userId);
    if (!row || row.confirmed_at !== null) {
      return undefined;
    }
    return this.enrolment(await this.open(row), label);
  }

  /**
   * Finishes the set-up with a code from the app: true when it matches, and from then on the
   * app is a second factor of the person.
   */
  async confirm(userId: string, code: string): Promise<boolean> {
    const row = await this.row(userId);
    if (!row || row.confirmed_at !== null) {
      return false;
    }
    const step = matchingStep(await this.open(row), code);
    if (step === undefined) {
      return false;
    }
    const updated = await this.sql.query(
      `UPDATE totp_authenticators SET confirmed_at = ?, last_step = ?
       WHERE user_id = ? AND confirmed_at IS NULL RETURNING user_id`,
      [Date.now(), step, userId],
    );
    return updated.length === 1;
  }

  /**
   * Whether `code` is a valid code of the person's confirmed app, never accepted before. The
   * step is recorded in the same statement that checks it is newer, so two requests with one
   * code cannot both pass.
   */
  async verify(userId: string, code: string): Promise<boolean> {
    const row = await this.row(userId);
    if (!row || row.confirmed_at === null) {
      return false;
    }
    const step = matchingStep(await this.open(row), code);
    if (step === undefined) {
      return false;
    }
    const updated = await this.sql.query(
      `UPDATE totp_authenticators SET last_step = ?
       WHERE user_id = ? AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < ?)
       RETURNING user_id`,
      [step, userId, step],
    );
    return updated.length === 1;
  }

  /** Removes the person's app (confirmed or not); whether there was a confirmed one. */
  async remove(userId: string): Promise<boolean> {
    const rows = await this.sql.query<{ confirmed_at: number | string | null }>(
      'DELETE FROM totp_authenticators WHERE user_id = ? RETURNING confirmed_at',
      [userId],
    );
    return rows.some((row) => row.confirmed_at !== null);
  }

  private async row(userId: string): Promise<StoredAuthenticator | undefined> {
    const [row] = await this.sql.query<StoredAuthenticator>(
      'SELECT user_id, secret, confirmed_at, last_step FROM totp_authenticators WHERE user_id = ?',
      [userId],
    );
    return row;
  }

  private enrolment(secret: string, label: string): Enrolment {
    const uri = totpFor(secret, label, new URL(this.config.issuer).host).toString();
    return { secret, uri };
  }

  /** The additional data of a sealed secret: it opens only in its owner's row. */
  private sealed(secret: string, userId: string): string {
    const key = this.config.keysEncryption.current;
    return key ? seal(secret, aad(userId), key) : secret;
  }

  private async open(row: StoredAuthenticator): Promise<string> {
    const { current, previous } = this.config.keysEncryption;
    if (!isSealed(row.secret)) {
      // Stored before KEYS_ENCRYPTION_KEY was set: sealed from its first use on.
      if (current) {
        await this.reseal(row.user_id, row.secret);
      }
      return row.secret;
    }
    const keys = [current, previous].filter((key): key is Buffer => key !== undefined);
    const opened = unseal(row.secret, aad(row.user_id), keys);
    if (!opened) {
      // The operator changed KEYS_ENCRYPTION_KEY without keeping the old one as _PREVIOUS.
      throw new Error(
        'KEYS_ENCRYPTION_KEY: it does not open the authenticator app secrets in the database',
      );
    }
    // Opened by KEYS_ENCRYPTION_KEY_PREVIOUS: sealed again with the current key.
    if (current && keys[opened.keyIndex] !== current) {
      await this.reseal(row.user_id, opened.plaintext);
    }
    return opened.plaintext;
  }

  private async reseal(userId: string, secret: string): Promise<void> {
    await this.sql.query('UPDATE totp_authenticators SET secret = ? WHERE user_id = ?', [
      this.sealed(secret, userId),
      userId,
    ]);
  }
}

function aad(userId: string): string {
  return `totp:${userId}`;
}

function totpFor(secret: string, label: string, issuer: string): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  });
}

/** The time step `code` belongs to (now, or one step either side), or undefined. */
function matchingStep(secret: string, code: string): number | undefined {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) {
    return undefined;
  }
  const now = Date.now();
  const delta = totpFor(secret, '', 'gatehouse').validate({
    token,
    timestamp: now,
    window: WINDOW,
  });
  return delta === null ? undefined : Math.floor(now / 1000 / PERIOD) + delta;
}
