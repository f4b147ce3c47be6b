import { createRequire } from 'node:module';

/** The part of better-sqlite3's Database the tests use (the package ships no types). */
export interface SqliteConnection {
  exec(sql: string): void;
  close(): void;
}

type SqliteDatabase = new (file: string, options?: { timeout?: number }) => SqliteConnection;

/** better-sqlite3 itself, the driver the app uses: its errors are the app's errors. */
export const Sqlite = createRequire(import.meta.url)('better-sqlite3') as SqliteDatabase;

/**
 * Another process's write lock on an SQLite file, as `sqlite3`'s `BEGIN EXCLUSIVE` would hold
 * it: until `release()`, every other connection's write waits out its busy timeout and fails
 * with SQLITE_BUSY. (In WAL mode, which the app uses, reads still go through.)
 */
export function holdWriteLock(file: string): { release(): void } {
  const connection = new Sqlite(file, { timeout: 0 });
  connection.exec('BEGIN EXCLUSIVE');
  return {
    release() {
      connection.exec('ROLLBACK');
      connection.close();
    },
  };
}
