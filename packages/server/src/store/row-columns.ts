import { bounded } from './column-bounds.js';
import type { CompleteLoginInput } from './port/complete-login.js';
import type { SessionRow } from './port/sessions.js';
import type { UserRow } from './port/users.js';

/** Every column of `users`, as the port's row names them. */
export const USER_COLUMNS = [
  'id',
  'appid',
  'openid',
  'unionid',
  'phoneE164',
  'nickname',
  'avatarUrl',
  'status',
  'disabledReason',
  'createdAt',
  'lastLoginAt',
  'updatedAt',
] as const satisfies readonly (keyof UserRow)[];

/** Every column of `refresh_families` (the sessions), as the port's row names them. */
export const SESSION_COLUMNS = [
  'id',
  'appid',
  'userId',
  'generation',
  'rotatedAt',
  'lastUsedAt',
  'expiresAt',
  'absoluteExpiresAt',
  'revokedAt',
  'revokedReason',
  'createdIp',
  'userAgent',
  'createdAt',
] as const satisfies readonly (keyof SessionRow)[];

const snake = (column: string): string => column.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * `snake_col AS <quoted camelCol>` for each column, for the hand-written statements of the hot paths: rows come out
 * as the port's rows with no mapping per row. `quote` is the database's identifier quote (`"`, or `` ` `` on MySQL),
 * which keeps the alias's case.
 */
export function selectList(columns: readonly string[], quote: '"' | '`'): string {
  return columns.map((c) => (snake(c) === c ? c : `${snake(c)} AS ${quote}${c}${quote}`)).join(', ');
}

/** The columns of a login's new session, in the order of {@link newSessionValues}. */
export const NEW_SESSION_COLUMNS =
  'id, appid, user_id, generation, rotated_at, last_used_at, expires_at, absolute_expires_at, created_ip, user_agent, created_at';

/** The values of {@link NEW_SESSION_COLUMNS} for a login's session of `userId`, free text cut to its columns. */
export function newSessionValues(session: CompleteLoginInput['session'], userId: string): unknown[] {
  return [
    session.id,
    session.appid,
    userId,
    session.generation,
    session.rotatedAt,
    session.lastUsedAt,
    session.expiresAt,
    session.absoluteExpiresAt,
    bounded(session.createdIp, 64),
    bounded(session.userAgent, 512),
    session.createdAt,
  ];
}
