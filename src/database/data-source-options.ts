import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config.js';
import { UserEntity } from '../identity/user.entity.js';
import { OidcPayloadEntity } from '../oauth/adapter/oidc-payload.entity.js';
import { ClientEntity } from '../oauth/clients/client.entity.js';
import { KeyEntity } from '../oauth/keys/key.entity.js';
import { DriveFileEntity } from '../resources/drive/drive-file.entity.js';
import { MIGRATIONS } from './migrations/index.js';

export const ENTITIES = [UserEntity, ClientEntity, OidcPayloadEntity, KeyEntity, DriveFileEntity];

/**
 * The one description of our database, shared by the app, the CLI and `ormconfig.ts`.
 * Both drivers run the same migrations; `synchronize` stays off.
 */
export function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  if (database.type === 'postgres') {
    return {
      type: 'postgres',
      url: database.url,
      entities: ENTITIES,
      migrations: MIGRATIONS,
      migrationsTransactionMode: 'each',
      synchronize: false,
      extra: { max: 10 },
    };
  }
  mkdirSync(dirname(database.path), { recursive: true });
  return {
    type: 'better-sqlite3',
    database: database.path,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    enableWAL: true,
    // Wait for a concurrent writer (the CLI, another request) instead of failing with SQLITE_BUSY.
    timeout: 5000,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    },
  };
}
