import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Sql } from '../../database/sql.js';

/** A registered passkey (WebAuthn credential) as Gatehouse keeps it. */
export interface Passkey {
  id: string;
  userId: string;
  /** The credential id, base64url (what the browser sends back as `id`). */
  credentialId: string;
  /** The credential's COSE public key, base64url. */
  publicKey: string;
  /** The last signature counter seen; 0 when the authenticator keeps none. */
  counter: number;
  /** What the browser reported at registration (`internal`, `usb`, `hybrid`…). */
  transports: string[];
  name: string;
  /** `singleDevice` (bound to one authenticator) or `multiDevice` (synced, WebAuthn §6.1.3). */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  counter: number | string;
  transports: string;
  name: string;
  device_type: string;
  backed_up: number | boolean;
  created_at: number | string;
  last_used_at: number | string | null;
}

const COLUMNS = `id, user_id, credential_id, public_key, counter, transports, name, device_type,
  backed_up, created_at, last_used_at`;

/** The one owner of `passkeys`; rows go with their user (the foreign key cascades). */
@Injectable()
export class PasskeysStore {
  private readonly sql: Sql;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new Sql(dataSource);
  }

  async insert(passkey: Passkey): Promise<void> {
    await this.sql.query(
      `INSERT INTO passkeys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        passkey.id,
        passkey.userId,
        passkey.credentialId,
        passkey.publicKey,
        passkey.counter,
        passkey.transports.join(','),
        passkey.name,
        passkey.deviceType,
        passkey.backedUp ? 1 : 0,
        passkey.createdAt.getTime(),
        passkey.lastUsedAt?.getTime() ?? null,
      ],
    );
  }

  /** A user's passkeys, oldest first. */
  async listForUser(userId: string): Promise<Passkey[]> {
    const rows = await this.sql.query<PasskeyRow>(
      `SELECT ${COLUMNS} FROM passkeys WHERE user_id = ? ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(fromRow);
  }

  async findByCredentialId(credentialId: string): Promise<Passkey | undefined> {
    const [row] = await this.sql.query<PasskeyRow>(
      `SELECT ${COLUMNS} FROM passkeys WHERE credential_id = ?`,
      [credentialId],
    );
    return row ? fromRow(row) : undefined;
  }

  async findForUser(userId: string, id: string): Promise<Passkey | undefined> {
    const [row] = await this.sql.query<PasskeyRow>(
      `SELECT ${COLUMNS} FROM passkeys WHERE user_id = ? AND id = ?`,
      [userId, id],
    );
    return row ? fromRow(row) : undefined;
  }

  /**
   * Records a use: the new counter, backup state and time. Only if the stored counter is still
   * `previousCounter`, so that two concurrent uses of one response cannot both succeed.
   */
  async recordUse(
    id: string,
    previousCounter: number,
    use: { counter: number; backedUp: boolean; at: Date },
  ): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE passkeys SET counter = ?, backed_up = ?, last_used_at = ?
       WHERE id = ? AND counter = ? RETURNING id`,
      [use.counter, use.backedUp ? 1 : 0, use.at.getTime(), id, previousCounter],
    );
    return rows.length === 1;
  }

  async rename(userId: string, id: string, name: string): Promise<boolean> {
    const rows = await this.sql.query(
      'UPDATE passkeys SET name = ? WHERE user_id = ? AND id = ? RETURNING id',
      [name, userId, id],
    );
    return rows.length === 1;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const rows = await this.sql.query(
      'DELETE FROM passkeys WHERE user_id = ? AND id = ? RETURNING id',
      [userId, id],
    );
    return rows.length === 1;
  }
}

function fromRow(row: PasskeyRow): Passkey {
  return {
    id: row.id,
    userId: row.user_id,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: row.transports ? row.transports.split(',') : [],
    name: row.name,
    deviceType: row.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
    backedUp: row.backed_up === true || Number(row.backed_up) === 1,
    createdAt: new Date(Number(row.created_at)),
    lastUsedAt: row.last_used_at === null ? null : new Date(Number(row.last_used_at)),
  };
}
