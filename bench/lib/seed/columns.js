// The columns the seeder writes, in the order every row array follows. They are the SQL names of the migrations in
// packages/server/src/store/migrations/, and every column of each table is listed, so a row is complete as written.

/** `users`: one row per (appid, openid). */
export const USER_COLUMNS = [
  'id',
  'appid',
  'openid',
  'unionid',
  'phone_e164',
  'nickname',
  'avatar_url',
  'status',
  'disabled_reason',
  'created_at',
  'last_login_at',
  'updated_at',
];

/** `wechat_sessions`: the sealed `session_key` of each user, as every login upserts it. */
export const WECHAT_SESSION_COLUMNS = ['appid', 'openid', 'session_key_sealed', 'updated_at'];

/** `refresh_families`: the sessions (a user's login on one device). */
export const SESSION_COLUMNS = [
  'id',
  'appid',
  'user_id',
  'generation',
  'rotated_at',
  'last_used_at',
  'expires_at',
  'absolute_expires_at',
  'revoked_at',
  'revoked_reason',
  'created_ip',
  'user_agent',
  'created_at',
];

/**
 * Each column's PostgreSQL array type for `unnest`: what is not text is epoch ms (`bigint`) or the generation.
 * @type {Record<string, 'text' | 'bigint' | 'integer'>}
 */
export const COLUMN_KINDS = Object.fromEntries(
  [...USER_COLUMNS, ...WECHAT_SESSION_COLUMNS, ...SESSION_COLUMNS].map((c) => [
    c,
    c === 'generation' ? 'integer' : c.endsWith('_at') ? 'bigint' : 'text',
  ]),
);

/**
 * One table's worth of rows for a writer: every row an array in `columns` order.
 * @typedef {{ table: string, columns: readonly string[], rows: unknown[][] }} RowBatch
 */
