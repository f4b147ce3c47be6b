import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config.js';
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

/**
 * The one description of our database, shared by the app, the CLI and `ormconfig.ts`. Entities
 * are not listed here: each feature registers its own (`TypeOrmModule.forFeature`).
 * Each driver has its own migrations; `synchronize` stays off.
 */
export function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  if (database.type === 'postgres') {
    return {
      type: 'postgres',
      url: database.url,
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
    // Wait for a concurrent writer (the CLI, another request) instead of failing with SQLITE_BUSY.
    timeout: 5000,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    },
  };
}
