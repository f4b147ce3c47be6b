import type { DataSource } from 'typeorm';

/**
 * Runs `work` while holding a cluster-wide lock, so that instances starting together against
 * one PostgreSQL database do not both initialise the same state. SQLite has one writer at a time
 * already and serves one machine, so there it simply runs.
 */
export async function withStartupLock<T>(
  dataSource: DataSource,
  lockId: number,
  work: () => Promise<T>,
): Promise<T> {
  if (dataSource.options.type !== 'postgres') {
    return work();
  }
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [lockId]);
    return await work();
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [lockId]).catch(() => undefined);
    await runner.release();
  }
}

export const LOCKS = { migrations: 7_260_401, keys: 7_260_402 } as const;
