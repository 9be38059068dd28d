import { USER_UNIQUE_CONSTRAINTS, type UserUniqueColumn } from '../schema.js';

const ER_DUP_ENTRY = 1062;
const ER_LOCK_DEADLOCK = 1213;

function errno(err: unknown): unknown {
  return (err as { errno?: unknown } | null)?.errno;
}

/** A deadlock (1213): the whole transaction may simply run again. */
export function isRetryable(err: unknown): boolean {
  return errno(err) === ER_LOCK_DEADLOCK;
}

/** The `users` column of a duplicate entry (1062), told by the key's name in the message. */
export function uniqueViolationColumn(err: unknown): UserUniqueColumn | undefined {
  if (errno(err) !== ER_DUP_ENTRY) return undefined;
  // "Duplicate entry '…' for key 'users_phone_e164_appid_uq'" (MySQL 8 prefixes the table: 'users.users_…').
  const key = /for key '(?:users\.)?([^']+)'$/.exec((err as Error).message)?.[1];
  return key !== undefined && Object.hasOwn(USER_UNIQUE_CONSTRAINTS, key)
    ? USER_UNIQUE_CONSTRAINTS[key as keyof typeof USER_UNIQUE_CONSTRAINTS]
    : undefined;
}
