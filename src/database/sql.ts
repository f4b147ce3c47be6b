import type { DataSource } from 'typeorm';

/** The part of pg's Pool this uses (TypeORM's PostgreSQL driver keeps it as `master`). */
interface PgPool {
  query(config: {
    text: string;
    values: unknown[];
    name?: string;
    query_timeout?: number;
  }): Promise<{ rows: unknown[] }>;
}

/**
 * At most this many distinct statements are prepared (per connection, server-side); texts past
 * it (an IN list of yet another length...) run unnamed, as before. Every fixed statement of the
 * hot paths fits many times over.
 */
const MAX_PREPARED = 200;

/**
 * How long a statement may go unanswered on PostgreSQL: far above any hot-path statement or
 * purge, far below the minutes TCP takes to give up on a network that silently drops packets.
 */
export const QUERY_TIMEOUT_MS = 30_000;

/** Statement names, one per distinct text, shared by every Sql of the process. */
const names = new Map<string, string>();

/**
 * Plain parameterised SQL for hot paths, where TypeORM's query building costs several times
 * the query itself (measured: findOneBy 66 µs, the same SELECT through `query()` 15 µs on
 * SQLite). Statements are written with `?` placeholders and work on SQLite and PostgreSQL.
 *
 * On SQLite they go through TypeORM's query runner (which caches prepared statements). On
 * PostgreSQL they go straight to the driver's pool as named prepared statements: the server
 * parses and plans each text once per connection instead of on every execution (measured on
 * the opaque-token lookup: ~200 µs of backend CPU unnamed, ~40 µs prepared), and the query
 * runner's bookkeeping around each statement goes too. Explicit column lists keep a prepared
 * statement valid across a migration that adds columns; PostgreSQL re-plans it by itself when
 * a table changes. A statement that gets no answer within `queryTimeoutMs` (a network that
 * drops packets silently, a lock held far too long) fails with pg's "Query read timeout",
 * answered 503 (common/database-unavailable.ts), and its connection is discarded, not reused.
 */
export class Sql {
  private readonly postgres: boolean;
  private readonly texts = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly queryTimeoutMs = QUERY_TIMEOUT_MS,
  ) {
    this.postgres = dataSource.options.type === 'postgres';
  }

  /** Runs a statement and returns its rows (use RETURNING to learn what a write touched). */
  async query<Row>(text: string, parameters: unknown[] = []): Promise<Row[]> {
    if (this.postgres) {
      return this.queryPostgres<Row>(text, parameters);
    }
    // A structured result has the same shape on every driver (a bare `query()` on
    // PostgreSQL answers UPDATE and DELETE with [rows, count]).
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(text, parameters, true);
      return result.records as Row[];
    } finally {
      await runner.release();
    }
  }

  private async queryPostgres<Row>(text: string, values: unknown[]): Promise<Row[]> {
    const pool = (this.dataSource.driver as unknown as { master?: PgPool }).master;
    if (!pool) {
      // What TypeORM's query runner says too, before connecting or after closing.
      throw new Error('Driver not Connected');
    }
    const converted = this.dialect(text);
    const name = nameOf(converted);
    // pg's Pool#query releases the connection with the error on failure, which destroys it: a
    // connection whose answer never came is not handed to the next request.
    const result = await pool.query({
      text: converted,
      values,
      ...(name ? { name } : {}),
      ...(this.queryTimeoutMs > 0 ? { query_timeout: this.queryTimeoutMs } : {}),
    });
    return result.rows as Row[];
  }

  private dialect(text: string): string {
    let converted = this.texts.get(text);
    if (converted === undefined) {
      let index = 0;
      converted = text.replace(/\?/g, () => `$${++index}`);
      this.texts.set(text, converted);
    }
    return converted;
  }
}

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_PREPARED) {
    name = `gatehouse_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}
