import type { QueryRunner } from 'typeorm';

/**
 * The few SQL fragments our migrations need that SQLite and PostgreSQL spell differently.
 *
 * Writing a migration:
 * - one file here per schema change, `<timestamp>-<what>.ts`, exporting the class
 *   `<What><timestamp>` with `name = '<What><timestamp>'`. TypeORM records that name in the
 *   `migrations` table to know what a database has applied: once released, never rename,
 *   renumber or edit a migration; add a new one.
 * - list it last in `./index.ts` and in the history `test/e2e/migrations.e2e-spec.ts` pins.
 * - write its SQL once, in what both drivers accept: double-quoted identifiers, `varchar(n)`,
 *   `text`, `integer`, `bigint` (epoch milliseconds, how every table since the first stores
 *   times), `PRIMARY KEY NOT NULL` (SQLite lets a non-integer primary key hold NULL otherwise),
 *   and `${d.…}` from below where they differ. A difference not covered yet becomes a new field
 *   here, not an `if` in the migration.
 * - give it a `down()` that undoes exactly what `up()` did.
 * `typeorm migration:generate` writes one driver's SQL: a draft to rewrite this way.
 *
 * @example
 *   async up(q: QueryRunner): Promise<void> {
 *     const d = dialect(q);
 *     await q.query(`ALTER TABLE "users" ADD COLUMN "locked" boolean NOT NULL DEFAULT ${d.false}`);
 *   }
 */
export interface Dialect {
  /** A date-and-time column type: `datetime` on SQLite, `timestamp` (no zone) on PostgreSQL. */
  readonly timestamp: string;
  /** A column default of the current date and time, as `DEFAULT ${d.now}`. */
  readonly now: string;
  /** The boolean literals, as `DEFAULT ${d.true}` (SQLite stores booleans as 1 and 0). */
  readonly true: string;
  readonly false: string;
}

const SQLITE: Dialect = {
  timestamp: 'datetime',
  // SQLite wants an expression default in parentheses.
  now: "(datetime('now'))",
  true: '(1)',
  false: '(0)',
};

const POSTGRES: Dialect = {
  timestamp: 'timestamp',
  now: 'now()',
  true: 'true',
  false: 'false',
};

/** The dialect of the database a migration runs on. */
export function dialect(queryRunner: QueryRunner): Dialect {
  const type = queryRunner.dataSource.options.type;
  switch (type) {
    case 'better-sqlite3':
      return SQLITE;
    case 'postgres':
      return POSTGRES;
    default:
      throw new Error(`Gatehouse's migrations do not support the ${type} driver`);
  }
}
