import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config.js';
import { UserEntity } from '../identity/user.entity.js';
import { OidcPayloadEntity } from '../oauth/adapter/oidc-payload.entity.js';
import { ClientEntity } from '../oauth/clients/client.entity.js';
import { KeyEntity } from '../oauth/keys/key.entity.js';
import { DriveFileEntity } from '../resources/drive/drive-file.entity.js';
import { InitialSchema1764270000000 as PostgresInitialSchema } from './migrations/postgres/1764270000000-initial-schema.js';
import { LoginThrottle1764280000000 as PostgresLoginThrottle } from './migrations/postgres/1764280000000-login-throttle.js';
import { ResourceServer1764290000000 as PostgresResourceServer } from './migrations/postgres/1764290000000-resource-server.js';
import { Applications1764300000000 as PostgresApplications } from './migrations/postgres/1764300000000-applications.js';
import { DeviceFlow1764310000000 as PostgresDeviceFlow } from './migrations/postgres/1764310000000-device-flow.js';
import { PersonalAccessTokens1764320000000 as PostgresPersonalAccessTokens } from './migrations/postgres/1764320000000-personal-access-tokens.js';
import { FirstPartyApps1764330000000 as PostgresFirstPartyApps } from './migrations/postgres/1764330000000-first-party-apps.js';
import { DpopProofs1764340000000 as PostgresDpopProofs } from './migrations/postgres/1764340000000-dpop-proofs.js';
import { InitialSchema1764270000000 as SqliteInitialSchema } from './migrations/sqlite/1764270000000-initial-schema.js';
import { LoginThrottle1764280000000 as SqliteLoginThrottle } from './migrations/sqlite/1764280000000-login-throttle.js';
import { ResourceServer1764290000000 as SqliteResourceServer } from './migrations/sqlite/1764290000000-resource-server.js';
import { Applications1764300000000 as SqliteApplications } from './migrations/sqlite/1764300000000-applications.js';
import { DeviceFlow1764310000000 as SqliteDeviceFlow } from './migrations/sqlite/1764310000000-device-flow.js';
import { PersonalAccessTokens1764320000000 as SqlitePersonalAccessTokens } from './migrations/sqlite/1764320000000-personal-access-tokens.js';
import { FirstPartyApps1764330000000 as SqliteFirstPartyApps } from './migrations/sqlite/1764330000000-first-party-apps.js';
import { DpopProofs1764340000000 as SqliteDpopProofs } from './migrations/sqlite/1764340000000-dpop-proofs.js';

export const ENTITIES = [UserEntity, ClientEntity, OidcPayloadEntity, KeyEntity, DriveFileEntity];

/** How long SQLite waits for another connection's lock by default (DATABASE_BUSY_TIMEOUT). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * The one description of our database, shared by the app, the CLI and `ormconfig.ts`.
 * Each driver has its own migrations; `synchronize` stays off.
 */
export function dataSourceOptions(
  database: DatabaseConfig,
  busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS,
): DataSourceOptions {
  if (database.type === 'postgres') {
    return {
      type: 'postgres',
      url: database.url,
      entities: ENTITIES,
      migrations: [
        PostgresInitialSchema,
        PostgresLoginThrottle,
        PostgresResourceServer,
        PostgresApplications,
        PostgresDeviceFlow,
        PostgresPersonalAccessTokens,
        PostgresFirstPartyApps,
        PostgresDpopProofs,
      ],
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
    migrations: [
      SqliteInitialSchema,
      SqliteLoginThrottle,
      SqliteResourceServer,
      SqliteApplications,
      SqliteDeviceFlow,
      SqlitePersonalAccessTokens,
      SqliteFirstPartyApps,
      SqliteDpopProofs,
    ],
    migrationsTransactionMode: 'each',
    synchronize: false,
    enableWAL: true,
    // Wait for a concurrent writer (the CLI, another process) instead of failing at once with
    // SQLITE_BUSY, which is then answered 503 (database-unavailable.ts). better-sqlite3 waits
    // synchronously: the whole process waits, so this stays short.
    timeout: busyTimeoutMs,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    },
  };
}
