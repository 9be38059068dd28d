import type { AuditEventRow } from './port/audit.js';
import type { LeaseRow } from './port/leases.js';
import type { LoginCodeRow } from './port/login-codes.js';
import type { RefreshFamilyRow } from './port/refresh-families.js';
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
  refresh_families: RefreshFamilyRow;
  login_codes: LoginCodeRow;
  signing_keys: SigningKeyRow;
  audit_events: AuditEventRow;
  login_stats: LoginStatRow;
  leases: LeaseRow;
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
