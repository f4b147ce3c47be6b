import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import { UserInputError } from './errors.js';
import { dataSourceOptions } from '../database/data-source-options.js';
import {
  findDatabaseUnavailable,
  isDatabaseUnavailable,
  unavailableLogLine,
} from './database-unavailable.js';

/** better-sqlite3 itself (it ships no types): the driver TypeORM uses, and its SqliteError. */
interface SqliteConnection {
  exec(sql: string): void;
  close(): void;
}
const Sqlite = createRequire(import.meta.url)('better-sqlite3') as new (
  file: string,
  options?: { timeout?: number },
) => SqliteConnection;

/** What `run` threw (fails the test if it did not throw). */
async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** A PostgreSQL DatabaseError as pg's protocol parser builds it from an ErrorResponse. */
function postgresError(code: string, severity: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  error.severity = severity;
  return error;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('isDatabaseUnavailable', () => {
  describe('SQLite, with a lock another connection holds', () => {
    let dir: string;
    let file: string;
    let holder: SqliteConnection;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'gatehouse-unavailable-'));
      file = join(dir, 'locked.sqlite');
      const setup = new Sqlite(file);
      setup.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (x UNIQUE); INSERT INTO t VALUES (1)');
      setup.close();
      holder = new Sqlite(file, { timeout: 0 });
      holder.exec('BEGIN EXCLUSIVE');
    });

    afterAll(() => {
      holder?.exec('ROLLBACK');
      holder?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("is true for better-sqlite3's SqliteError SQLITE_BUSY", async () => {
      const other = new Sqlite(file, { timeout: 0 });
      try {
        const error = await thrown(() => other.exec('INSERT INTO t VALUES (2)'));
        expect(error).toMatchObject({
          name: 'SqliteError',
          code: 'SQLITE_BUSY',
          message: 'database is locked',
        });
        expect(isDatabaseUnavailable(error)).toBe(true);
      } finally {
        other.close();
      }
    });

    it("is true for TypeORM's QueryFailedError around it, and names the driver's error", async () => {
      const ds = await new DataSource(
        dataSourceOptions({ type: 'better-sqlite3', path: file }, 0),
      ).initialize();
      try {
        const error = await thrown(() => ds.query('INSERT INTO t VALUES (3)'));
        expect(error).toBeInstanceOf(QueryFailedError);
        expect(findDatabaseUnavailable(error)).toEqual({
          code: 'SQLITE_BUSY',
          message: 'database is locked',
        });
      } finally {
        await ds.destroy();
      }
    });

    it('is false for other SQLite errors: a constraint, a syntax error', async () => {
      const other = new Sqlite(file, { timeout: 0 });
      holder.exec('ROLLBACK');
      try {
        const constraint = await thrown(() => other.exec('INSERT INTO t VALUES (1)'));
        expect(constraint).toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
        expect(isDatabaseUnavailable(constraint)).toBe(false);
        const syntax = await thrown(() => other.exec('SELEKT 1'));
        expect(syntax).toMatchObject({ code: 'SQLITE_ERROR' });
        expect(isDatabaseUnavailable(syntax)).toBe(false);
      } finally {
        holder.exec('BEGIN EXCLUSIVE');
        other.close();
      }
    });

    it('matches the extended lock codes', () => {
      for (const code of ['SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED']) {
        expect(isDatabaseUnavailable(Object.assign(new Error('locked'), { code }))).toBe(true);
      }
      expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: 'SQLITE_FULL' }))).toBe(
        false,
      );
    });
  });

  describe('PostgreSQL', () => {
    let server: Server | undefined;

    afterEach(async () => {
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      server = undefined;
    });

    it("is true for pg's refused connection (ECONNREFUSED)", async () => {
      const client = new pg.Client({ host: '127.0.0.1', port: await closedPort() });
      const error = await thrown(() => client.connect());
      expect(error).toMatchObject({ code: 'ECONNREFUSED' });
      expect(isDatabaseUnavailable(error)).toBe(true);
    });

    it('is true for "Connection terminated unexpectedly" (the server closed the socket)', async () => {
      server = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      const client = new pg.Client({ host: '127.0.0.1', port });
      const error = await thrown(() => client.connect());
      expect(error).toMatchObject({ message: 'Connection terminated unexpectedly' });
      expect(isDatabaseUnavailable(error)).toBe(true);
    });

    describe('a server that accepts connections and never answers (packets dropped)', () => {
      /** Sockets held open in silence, destroyed after the test. */
      const silent = new Set<Socket>();
      const blackHole = async (): Promise<number> => {
        server = createServer((socket) => silent.add(socket));
        await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
        return (server.address() as { port: number }).port;
      };
      afterEach(() => {
        for (const socket of silent) {
          socket.destroy();
        }
        silent.clear();
      });

      it('the pool stops waiting after DATABASE_BUSY_TIMEOUT: unavailable, not a hang', async () => {
        const url = `postgres://gatehouse@127.0.0.1:${await blackHole()}/gatehouse`;
        const options = dataSourceOptions({ type: 'postgres', url }, 200) as { extra: object };
        const pool = new pg.Pool({ connectionString: url, ...options.extra });
        try {
          const error = await thrown(() => pool.query('SELECT 1'));
          expect(error).toMatchObject({
            message: expect.stringMatching(/connection timeout|timeout exceeded/) as string,
          });
          expect(isDatabaseUnavailable(error)).toBe(true);
        } finally {
          await pool.end();
        }
      });

      it("a statement without an answer fails with pg's query_timeout: unavailable", async () => {
        const client = new pg.Client({ host: '127.0.0.1', port: await blackHole() });
        client.connect().catch(() => undefined); // never completes; ended below
        // query_timeout per statement, as database/sql.ts sets it (missing from @types/pg).
        const statement = { text: 'SELECT 1', query_timeout: 100 } as pg.QueryConfig;
        const error = await thrown(() => client.query(statement));
        expect(error).toMatchObject({ message: 'Query read timeout' });
        expect(isDatabaseUnavailable(error)).toBe(true);
      });
    });

    it.each([
      ['57P01', 'FATAL', 'terminating connection due to administrator command'],
      ['57P02', 'FATAL', 'terminating connection because of crash of another server process'],
      ['57P03', 'FATAL', 'the database system is starting up'],
      ['53300', 'FATAL', 'sorry, too many clients already'],
      ['08006', 'FATAL', 'connection failure'],
      ['55000', 'FATAL', 'database "gatehouse" is not currently accepting connections'],
    ])('is true for SQLSTATE %s (%s: %s)', (code, severity, message) => {
      const error = postgresError(code, severity, message);
      expect(isDatabaseUnavailable(error)).toBe(true);
      // As TypeORM throws it from a query.
      expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], error))).toBe(true);
    });

    it.each([
      ['28P01', 'FATAL', 'password authentication failed for user "gatehouse"'],
      ['3D000', 'FATAL', 'database "gatehouse" does not exist'],
      ['55000', 'ERROR', 'cannot ALTER TABLE because it is being used by active queries'],
      ['40001', 'ERROR', 'could not serialize access due to concurrent update'],
      ['40P01', 'ERROR', 'deadlock detected'],
      ['23505', 'ERROR', 'duplicate key value violates unique constraint "users_email_key"'],
      ['42P01', 'ERROR', 'relation "users" does not exist'],
    ])('is false for SQLSTATE %s (%s: %s): no retry fixes it', (code, severity, message) => {
      const error = postgresError(code, severity, message);
      expect(isDatabaseUnavailable(error)).toBe(false);
      expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], error))).toBe(false);
    });
  });

  describe('wrapped errors', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

    it('follows `cause` and the `errors` of an AggregateError', () => {
      expect(isDatabaseUnavailable(new Error('saving the session', { cause: busy }))).toBe(true);
      const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), {
        code: 'ECONNREFUSED',
      });
      expect(isDatabaseUnavailable(new AggregateError([refused], 'connect failed'))).toBe(true);
    });

    it('survives a cycle', () => {
      const a = new Error('a');
      const b = new Error('b', { cause: a });
      (a as { cause?: unknown }).cause = b;
      expect(isDatabaseUnavailable(a)).toBe(false);
    });

    it('is false for bugs and for what is not an error', () => {
      for (const value of [
        new TypeError("Cannot read properties of undefined (reading 'id')"),
        new UserInputError('no such application'),
        Object.assign(new Error('getaddrinfo ENOTFOUND db'), { code: 'ENOTFOUND' }),
        new Error('Connection terminated by the user'),
        'database is locked',
        undefined,
        null,
        42,
      ]) {
        expect(isDatabaseUnavailable(value)).toBe(false);
      }
    });
  });
});

describe('unavailableLogLine', () => {
  it('names the request by method and path, never its query, and the cause', () => {
    expect(
      unavailableLogLine('GET', '/api/drive/files?access_token=secret', {
        code: 'SQLITE_BUSY',
        message: 'database is locked',
      }),
    ).toBe(
      'Database unavailable, answered 503: GET /api/drive/files (SQLITE_BUSY: database is locked)',
    );
    expect(
      unavailableLogLine('POST', '/oauth/token', { message: 'Connection terminated unexpectedly' }),
    ).toBe(
      'Database unavailable, answered 503: POST /oauth/token (Connection terminated unexpectedly)',
    );
  });
});
