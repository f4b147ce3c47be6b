/**
 * Whether a write failed on a UNIQUE constraint (PostgreSQL SQLSTATE 23505, SQLite
 * SQLITE_CONSTRAINT_UNIQUE or _PRIMARYKEY), whether TypeORM wrapped the driver's error or not:
 * two requests racing for one unique value is a conflict to answer, not a server error.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth += 1) {
    const { code, driverError } = cause as { code?: unknown; driverError?: unknown };
    if (
      code === '23505' ||
      code === 'SQLITE_CONSTRAINT_UNIQUE' ||
      code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
    ) {
      return true;
    }
    cause = driverError ?? (cause as { cause?: unknown }).cause;
  }
  return false;
}
