import type { UserUniqueColumn } from './schema.js';

/**
 * A write hit one of the `users` unique constraints (another user of the same app holds that openid, unionid or
 * phone). Thrown the same way by SQLite, PostgreSQL and MySQL/MariaDB, so callers map it to `PHONE_IN_USE` without
 * knowing the database. It names the column only: the driver's error is not kept as `cause` because its text
 * carries the colliding value (a phone number).
 */
export class UniqueViolationError extends Error {
  override readonly name = 'UniqueViolationError';
  /** The SQL column that collided: `openid`, `unionid` or `phone_e164`. */
  readonly column: UserUniqueColumn;

  constructor(column: UserUniqueColumn) {
    super(`unique constraint violated on users.${column}`);
    this.column = column;
  }
}
