import type { User } from '../schemas/user.js';
import type { UserRow } from '../store/types.js';

/** The Contract's view of a `users` row: every field of `UserSchema`, nullable ones as `null`. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    appid: row.appid,
    openid: row.openid,
    unionid: row.unionid,
    phone: row.phoneE164,
    nickname: row.nickname,
    avatarUrl: row.avatarUrl,
    status: row.status,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}
