import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../src/config/app-config.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { runMigrations } from '../../src/database/migrate.js';
import { MIGRATIONS } from '../../src/database/migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * What databases already migrated have recorded in their `migrations` table, oldest first.
 * TypeORM tells applied migrations by these names: renaming one would apply it again (and fail
 * on its existing tables). Append new migrations here; never edit this list otherwise.
 */
const HISTORY = [
  'InitialSchema1764270000000',
  'LoginThrottle1764280000000',
  'ResourceServer1764290000000',
  'Applications1764300000000',
  'DeviceFlow1764310000000',
  'PersonalAccessTokens1764320000000',
  'FirstPartyApps1764330000000',
  'DpopProofs1764340000000',
  'UserLifecycle1764350000000',
  'SessionActivity1764360000000',
  'SecondFactors1764500000000',
  'Passkeys1764600000000',
  'TokenExchange1764900000000',
];

describe('the migration history', () => {
  it('keeps every name, in order, as its class name', () => {
    const migrations = MIGRATIONS.map((Migration) => new Migration());
    expect(migrations.map((migration) => migration.name)).toEqual(HISTORY);
    for (const migration of migrations) {
      expect(migration.constructor.name).toBe(migration.name);
    }
  });

  it('runs in the order of its timestamps (the last 13 digits, which TypeORM sorts by)', () => {
    const timestamps = HISTORY.map((name) => Number(/\d{13}$/.exec(name)?.[0]));
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    expect(new Set(timestamps).size).toBe(timestamps.length);
  });
});

/** On the e2e database (a fresh SQLite file, or PostgreSQL with TEST_DATABASE_URL). */
describe('migrations on a fresh database', () => {
  let database: TestDatabase;
  let dir: string;
  let config: DatabaseConfig;
  const open = () => new DataSource(dataSourceOptions(config)).initialize();
  const applied = async (ds: DataSource) =>
    (await ds.query<{ name: string }[]>('SELECT "name" FROM "migrations" ORDER BY "id"')).map(
      (row) => row.name,
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-migrations-'));
    config = database.url
      ? { type: 'postgres', url: database.url }
      : { type: 'better-sqlite3', path: join(dir, 'migrations.sqlite') };
  });

  afterAll(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('apply once; a database already migrated starts with nothing to apply', async () => {
    const first = await open();
    try {
      const ran = await first.runMigrations();
      expect(ran.map((migration) => migration.name)).toEqual(HISTORY);
    } finally {
      await first.destroy();
    }

    // A restart, as the app does it (database.module.ts).
    const restarted = await open();
    try {
      expect(await restarted.showMigrations()).toBe(false);
      await runMigrations(restarted);
      expect(await applied(restarted)).toEqual(HISTORY);
    } finally {
      await restarted.destroy();
    }
  });

  it('revert one by one to an empty database, and apply again to the same schema', async () => {
    const ds = await open();
    try {
      await ds.runMigrations();
      const schema = await describeSchema(ds);
      for (let left = HISTORY.length - 1; left >= 0; left--) {
        await ds.undoLastMigration();
        expect(await applied(ds)).toEqual(HISTORY.slice(0, left));
      }
      expect(await tables(ds)).toEqual(['migrations']);
      await ds.runMigrations();
      expect(await describeSchema(ds)).toEqual(schema);
    } finally {
      await ds.destroy();
    }
  });
});

async function tables(ds: DataSource): Promise<string[]> {
  const rows: { name: string }[] =
    ds.options.type === 'postgres'
      ? await ds.query(
          `SELECT table_name AS name FROM information_schema.tables
           WHERE table_schema = current_schema() ORDER BY table_name`,
        )
      : await ds.query(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
           ORDER BY name`,
        );
  return rows.map((row) => row.name);
}

/** Tables, columns, indexes and constraints, as the database reports them. */
async function describeSchema(ds: DataSource): Promise<unknown> {
  if (ds.options.type !== 'postgres') {
    return ds.query('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name');
  }
  return {
    columns: await ds.query(
      `SELECT table_name, column_name, data_type, character_maximum_length, is_nullable,
              column_default
       FROM information_schema.columns WHERE table_schema = current_schema()
       ORDER BY table_name, ordinal_position`,
    ),
    indexes: await ds.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
       ORDER BY indexname`,
    ),
    constraints: await ds.query(
      `SELECT conrelid::regclass::text AS "table", conname, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
       ORDER BY 1, 2`,
    ),
  };
}
