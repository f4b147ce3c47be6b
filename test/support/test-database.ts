import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Where an e2e test's app keeps its data. By default a fresh SQLite file (the embedded
 * default); when TEST_DATABASE_URL names a PostgreSQL server, a fresh database on it, dropped
 * afterwards. CI runs the e2e suite both ways.
 */
export interface TestDatabase {
  /** DATABASE_URL for the app, or undefined for SQLite under DATA_DIR. */
  url?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    return { drop: () => Promise.resolve() };
  }
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
