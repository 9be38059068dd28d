import type { UserRow, UserStatus } from '../store/types.js';

/** The `User` object of the Contract: nullable fields present as `null`, `phone` in E.164, `createdAt` ISO 8601. */
export interface User {
  id: string;
  appid: string;
  openid: string;
  unionid: string | null;
  phone: string | null;
  nickname: string | null;
  avatarUrl: string | null;
  status: UserStatus;
  createdAt: string;
}

/** The Contract's view of a `users` row. */
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
