import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSource } from 'typeorm';
import { UserInputError } from '../common/errors.js';

/** better-sqlite3's handle, which TypeORM's driver holds. */
interface SqliteHandle {
  backup(destination: string): Promise<{ totalPages: number; remainingPages: number }>;
}

export interface BackupResult {
  file: string;
  bytes: number;
}

/**
 * A consistent copy of the embedded SQLite database into a new file, taken while servers keep
 * running: SQLite's online backup API copies page by page and restarts if a writer changed the
 * source meanwhile, so the copy is one committed state (https://sqlite.org/backup.html).
 * PostgreSQL has pg_dump for that (see README, "Operating Gatehouse").
 *
 * @throws UserInputError for PostgreSQL, an existing destination or a missing folder
 */
export async function backupSqlite(dataSource: DataSource, file: string): Promise<BackupResult> {
  if (dataSource.options.type !== 'better-sqlite3') {
    throw new UserInputError(
      'db:backup copies the embedded SQLite database; back PostgreSQL up with pg_dump (README, "Operating Gatehouse")',
    );
  }
  if (existsSync(file)) {
    throw new UserInputError(`${file} already exists: back up into a new file`);
  }
  if (!existsSync(dirname(file))) {
    throw new UserInputError(`the folder ${dirname(file)} does not exist`);
  }
  const handle = (dataSource.driver as unknown as { databaseConnection: SqliteHandle })
    .databaseConnection;
  await handle.backup(file);
  return { file, bytes: statSync(file).size };
}
