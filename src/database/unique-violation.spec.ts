import { createRequire } from 'node:module';
import { QueryFailedError } from 'typeorm';
import { isUniqueViolation } from './unique-violation.js';

/** better-sqlite3 itself (it ships no types): a real SQLite error, not a hand-made one. */
const Sqlite = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => {
  exec(sql: string): void;
  close(): void;
};

describe('isUniqueViolation', () => {
  const sqliteError = (sql: string): unknown => {
    const db = new Sqlite(':memory:');
    try {
      db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, email TEXT UNIQUE, n INTEGER NOT NULL)');
      db.exec("INSERT INTO t VALUES ('a', 'x@example.com', 1)");
      db.exec(sql);
      return undefined;
    } catch (error) {
      return error;
    } finally {
      db.close();
    }
  };

  it("knows SQLite's, bare or wrapped by TypeORM", () => {
    const unique = sqliteError("INSERT INTO t VALUES ('b', 'x@example.com', 1)");
    const primary = sqliteError("INSERT INTO t VALUES ('a', 'y@example.com', 1)");
    expect(isUniqueViolation(unique)).toBe(true);
    expect(isUniqueViolation(primary)).toBe(true);
    expect(isUniqueViolation(new QueryFailedError('INSERT', [], unique as Error))).toBe(true);
  });

  it("knows PostgreSQL's SQLSTATE 23505", () => {
    expect(isUniqueViolation(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(
      true,
    );
  });

  it('is false for other constraint failures and errors', () => {
    expect(
      isUniqueViolation(sqliteError("INSERT INTO t VALUES ('c', 'z@example.com', NULL)")),
    ).toBe(false);
    expect(isUniqueViolation(Object.assign(new Error('fk'), { code: '23503' }))).toBe(false);
    expect(isUniqueViolation(new Error('boom'))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});
