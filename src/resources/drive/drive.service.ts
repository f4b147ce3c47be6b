import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { NotFoundError, UserInputError } from '../../common/errors.js';
import { Sql } from '../../database/sql.js';
import type { DriveFileEntity } from './drive-file.entity.js';
import type { NewFile } from './drive.schemas.js';

export type DriveFileSummary = Omit<DriveFileEntity, 'content' | 'ownerId'>;
export type DriveFile = Omit<DriveFileEntity, 'ownerId'>;

export interface FilePage {
  files: DriveFileSummary[];
  nextPageToken?: string;
}

interface FileRow {
  id: string;
  name: string;
  media_type: string;
  size: number | string;
  created_at: number | string;
  content?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SUMMARY_COLUMNS = 'id, name, media_type, size, created_at';
const NOT_FOUND = 'No such file in your Drive';

/**
 * A user's files. Every method takes the owner: nobody reaches another user's files. Reads are
 * on the API's hot path, so they are plain SQL (see database/sql.ts), like the adapter's.
 */
@Injectable()
export class DriveService {
  private readonly sql: Sql;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new Sql(dataSource);
  }

  /** Newest first, `limit` at a time; `pageToken` continues where the previous page ended. */
  async list(ownerId: string, limit: number, pageToken?: string): Promise<FilePage> {
    const after = pageToken === undefined ? undefined : decodePageToken(pageToken);
    const rows = await this.sql.query<FileRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM drive_files WHERE owner_id = ?
       ${after ? 'AND (created_at < ? OR (created_at = ? AND id < ?))' : ''}
       ORDER BY created_at DESC, id DESC LIMIT ?`,
      after ? [ownerId, after[0], after[0], after[1], limit + 1] : [ownerId, limit + 1],
    );
    const files = rows.slice(0, limit).map(toFile);
    const last = files.at(-1);
    return rows.length > limit && last
      ? { files, nextPageToken: encodePageToken(last) }
      : { files };
  }

  async create(ownerId: string, input: NewFile): Promise<DriveFile> {
    const file = {
      id: randomUUID(),
      name: input.name,
      mediaType: input.media_type,
      content: input.content,
      size: Buffer.byteLength(input.content),
      createdAt: Date.now(),
    };
    await this.sql.query(
      `INSERT INTO drive_files (id, owner_id, name, media_type, content, size, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [file.id, ownerId, file.name, file.mediaType, file.content, file.size, file.createdAt],
    );
    return file;
  }

  /** @throws NotFoundError also for another user's file: its existence is not theirs to know. */
  async get(ownerId: string, id: string): Promise<DriveFile> {
    const [row] = UUID.test(id)
      ? await this.sql.query<FileRow>(
          `SELECT ${SUMMARY_COLUMNS}, content FROM drive_files WHERE id = ? AND owner_id = ?`,
          [id, ownerId],
        )
      : [];
    if (!row) {
      throw new NotFoundError(NOT_FOUND);
    }
    return { ...toFile(row), content: row.content ?? '' };
  }

  async delete(ownerId: string, id: string): Promise<void> {
    const deleted = UUID.test(id)
      ? await this.sql.query<{ id: string }>(
          'DELETE FROM drive_files WHERE id = ? AND owner_id = ? RETURNING id',
          [id, ownerId],
        )
      : [];
    if (deleted.length === 0) {
      throw new NotFoundError(NOT_FOUND);
    }
  }
}

/** BIGINT arrives as a string from PostgreSQL and as a number from SQLite. */
function toFile(row: FileRow): DriveFileSummary {
  return {
    id: row.id,
    name: row.name,
    mediaType: row.media_type,
    size: Number(row.size),
    createdAt: Number(row.created_at),
  };
}

function encodePageToken(file: DriveFileSummary): string {
  return Buffer.from(JSON.stringify([file.createdAt, file.id])).toString('base64url');
}

function decodePageToken(token: string): [number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString());
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string' &&
      UUID.test(value[1])
    ) {
      return value as [number, string];
    }
  } catch {
    // fall through: not ours
  }
  throw new UserInputError('page_token is not one this API issued');
}
