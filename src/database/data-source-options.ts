import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config.js';
import { MIGRATIONS } from './migrations/index.js';

/** How long SQLite waits for another connection's lock by default (DATABASE_BUSY_TIMEOUT). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * The one description of our database, shared by the app, the CLI and `ormconfig.ts`. Entities
 * are not listed here: each feature registers its own (`TypeOrmModule.forFeature`).
 * Both drivers run the same migrations; `synchronize` stays off.
 */
export function dataSourceOptions(
  database: DatabaseConfig,
  busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS,
): DataSourceOptions {
  if (database.type === 'postgres') {
    return {
      type: 'postgres',
      url: database.url,
      migrations: MIGRATIONS,
      migrationsTransactionMode: 'each',
      synchronize: false,
      extra: {
        max: 10,
        // A request waits this long for a connection (a free one, or a new one being opened),
        // then fails with "timeout exceeded when trying to connect", answered 503: without it,
        // a network that silently drops packets holds requests until TCP gives up (minutes).
        connectionTimeoutMillis: busyTimeoutMs,
        // And idle connections to a server that vanished are noticed, not handed out.
        keepAlive: true,
      },
    };
  }
  mkdirSync(dirname(database.path), { recursive: true });
  return {
    type: 'better-sqlite3',
    database: database.path,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    enableWAL: true,
    // Wait for a concurrent writer (the CLI, another process) instead of failing at once with
    // SQLITE_BUSY, which is then answered 503 (common/database-unavailable.ts). better-sqlite3 waits
    // synchronously: the whole process waits, so this stays short.
    timeout: busyTimeoutMs,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    },
  };
}
