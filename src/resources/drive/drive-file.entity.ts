import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database/columns.js';

/** A file in a user's Drive (the sample protected API). */
@Entity('drive_files')
@Index('idx_drive_files_owner', ['ownerId', 'createdAt'])
export class DriveFileEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** The user (token subject) who owns it; deleting the user deletes their files. */
  @Column({ name: 'owner_id', type: 'varchar', length: 36 })
  ownerId!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ name: 'media_type', type: 'varchar', length: 127 })
  mediaType!: string;

  @Column({ type: 'text' })
  content!: string;

  /** Size of `content` in bytes (UTF-8). */
  @Column({ type: 'integer' })
  size!: number;

  /** Epoch milliseconds: exact, and orders the listing (with the id as a tie-breaker). */
  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;
}
