import type { DataSource } from 'typeorm';
import { LOCKS, withStartupLock } from '../common/lock.js';

/**
 * Applies pending migrations. Instances starting together queue on a lock and the later ones
 * find nothing left to do.
 */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  await withStartupLock(dataSource, LOCKS.migrations, async () => {
    await dataSource.runMigrations();
  });
}
