import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { NotFoundError, UserInputError } from '../../common/errors.js';
import { DriveFileEntity } from './drive-file.entity.js';
import type { NewFile } from './drive.schemas.js';

export interface FilePage {
  files: DriveFileEntity[];
  nextPageToken?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A user's files. Every method takes the owner: nobody reaches another user's files. */
@Injectable()
export class DriveService {
  private readonly files: Repository<DriveFileEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.files = dataSource.getRepository(DriveFileEntity);
  }

  /** Newest first, `limit` at a time; `pageToken` continues where the previous page ended. */
  async list(ownerId: string, limit: number, pageToken?: string): Promise<FilePage> {
    const query = this.files
      .createQueryBuilder('file')
      .select(['file.id', 'file.name', 'file.mediaType', 'file.size', 'file.createdAt'])
      .where('file.ownerId = :ownerId', { ownerId })
      .orderBy('file.createdAt', 'DESC')
      .addOrderBy('file.id', 'DESC')
      .take(limit + 1);
    if (pageToken !== undefined) {
      const [createdAt, id] = decodePageToken(pageToken);
      query.andWhere(
        '(file.createdAt < :createdAt OR (file.createdAt = :createdAt AND file.id < :id))',
        { createdAt, id },
      );
    }
    const rows = await query.getMany();
    const files = rows.slice(0, limit);
    const last = files.at(-1);
    return rows.length > limit && last
      ? { files, nextPageToken: encodePageToken(last) }
      : { files };
  }

  async create(ownerId: string, input: NewFile): Promise<DriveFileEntity> {
    return this.files.save(
      this.files.create({
        id: randomUUID(),
        ownerId,
        name: input.name,
        mediaType: input.media_type,
        content: input.content,
        size: Buffer.byteLength(input.content),
        createdAt: Date.now(),
      }),
    );
  }

  /** @throws NotFoundError also for another user's file: its existence is not theirs to know. */
  async get(ownerId: string, id: string): Promise<DriveFileEntity> {
    const file = UUID.test(id) ? await this.files.findOneBy({ id, ownerId }) : null;
    if (!file) {
      throw new NotFoundError('No such file in your Drive');
    }
    return file;
  }

  async delete(ownerId: string, id: string): Promise<void> {
    const result = UUID.test(id) ? await this.files.delete({ id, ownerId }) : { affected: 0 };
    if (!result.affected) {
      throw new NotFoundError('No such file in your Drive');
    }
  }
}

function encodePageToken(file: DriveFileEntity): string {
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
