import type { AuditEventRow } from './port/audit.js';
import type { LeaseRow } from './port/leases.js';
import type { LoginCodeRow } from './port/login-codes.js';
import type { SessionRow } from './port/sessions.js';
import type { SigningKeyRow } from './port/signing-keys.js';
import type { LoginStatRow } from './port/stats.js';
import type { UserRow } from './port/users.js';
import type { WechatSessionRow } from './port/wechat-sessions.js';

/**
 * The tables as Kysely sees them. Table names are the SQL names; column names are camelCase and Kysely's
 * `CamelCasePlugin` maps them to the snake_case SQL columns, so a selected row is a `port/` row as it is.
 */
export interface Database {
  users: UserRow;
  wechat_sessions: WechatSessionRow;
  /** The sessions table (storage name kept from when a session was called a refresh family). */
  refresh_families: SessionRow;
  login_codes: LoginCodeTable;
  signing_keys: SigningKeyRow;
  audit_events: AuditEventRow;
  login_stats: LoginStatRow;
  leases: LeaseRow;
}

/**
 * `login_codes` as Kysely sees it: the port's {@link LoginCodeRow} with its session id under the column's name
 * (`family_id`); the store maps `familyId` to `sessionId` at its boundary.
 */
export interface LoginCodeTable extends Omit<LoginCodeRow, 'sessionId'> {
  familyId: string | null;
}

/** A table of {@link Database}. */
export type TableName = keyof Database & string;

/** A camelCase column of table `T`. */
export type ColumnName<T extends TableName> = keyof Database[T] & string;

/**
 * The unique constraints whose violations callers act on, by name, with the column that tells them apart. Each
 * constraint leads with that column so it also serves exact lookups on it alone (admin search, linked accounts).
 */
export const USER_UNIQUE_CONSTRAINTS = {
  users_openid_appid_uq: 'openid',
  users_unionid_appid_uq: 'unionid',
  users_phone_e164_appid_uq: 'phone_e164',
} as const;

/** The column of a `users` unique constraint, as named in SQL. */
export type UserUniqueColumn = (typeof USER_UNIQUE_CONSTRAINTS)[keyof typeof USER_UNIQUE_CONSTRAINTS];
