import { USER_UNIQUE_CONSTRAINTS, type UserUniqueColumn } from '../schema.js';

const USER_COLUMNS = new Set<string>(Object.values(USER_UNIQUE_CONSTRAINTS));

/** The `users` column a `SQLITE_CONSTRAINT_UNIQUE` error names, if it is one of the constraints callers act on. */
export function uniqueViolationColumn(err: unknown): UserUniqueColumn | undefined {
  if (!(err instanceof Error) || (err as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_UNIQUE') return undefined;
  // "UNIQUE constraint failed: users.phone_e164, users.appid": each constraint leads with its own column.
  const column = /UNIQUE constraint failed: users\.(\w+)/.exec(err.message)?.[1];
  return column !== undefined && USER_COLUMNS.has(column) ? (column as UserUniqueColumn) : undefined;
}
