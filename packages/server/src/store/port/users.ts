import type { AuditEventRow } from './audit.js';
import type { Page } from './page.js';

/** `users.status`. */
export type UserStatus = 'active' | 'disabled';

/** A row of `users`. */
export interface UserRow {
  id: string;
  appid: string;
  openid: string;
  unionid: string | null;
  phoneE164: string | null;
  nickname: string | null;
  avatarUrl: string | null;
  status: UserStatus;
  disabledReason: string | null;
  createdAt: number;
  lastLoginAt: number;
  updatedAt: number;
}

/** What `movePhone` needs. */
export interface MovePhoneInput {
  userId: string;
  /** E.164. */
  phoneE164: string;
  now: number;
  /** Inserted only when the number was taken from another user; the store sets `userId` to that user. */
  audit: Omit<AuditEventRow, 'userId'>;
}

/** What `movePhone` answers. */
export interface MovePhoneResult {
  /** The user after the bind; undefined (and nothing written) when there is no such user. */
  user: UserRow | undefined;
  /** The user the number was taken from, or null when nobody else held it. */
  fromUserId: string | null;
}

/** Users: lookups, profile and phone, and the admin's lifecycle operations. They are created by `completeLogin`. */
export interface UserStore {
  /** The user with this id, or undefined. */
  getUser(id: string): Promise<UserRow | undefined>;
  /** The user of (appid, openid), or undefined. */
  getUserByOpenid(appid: string, openid: string): Promise<UserRow | undefined>;
  /** Sets the given profile fields (a field left undefined is kept); answers the user after it, or undefined. */
  updateProfile(
    id: string,
    patch: { nickname?: string | null; avatarUrl?: string | null },
    now: number,
  ): Promise<UserRow | undefined>;
  /**
   * Binds (or, with `null`, unbinds) a phone number. The unique index decides conflicts: a number bound to another
   * user of the same app throws `UniqueViolationError` with `column === 'phone_e164'` (all three databases).
   * Answers the updated user, or undefined when there is no such user.
   */
  setPhone(userId: string, phoneE164: string | null, now: number): Promise<UserRow | undefined>;
  /**
   * `WXLOGIN_PHONE_CONFLICT=move`: in one transaction, unbinds `phoneE164` from whichever other user of the same app
   * holds it (inserting `audit` for that user), then binds it to `userId`. A concurrent bind that takes the number
   * in between makes the whole transaction run again, a bounded number of times; then it throws
   * `UniqueViolationError` like `setPhone`.
   */
  movePhone(input: MovePhoneInput): Promise<MovePhoneResult>;
  /**
   * Sets `status` (and `disabled_reason`: `reason` when disabling, null when enabling). Disabling also revokes every
   * live session of the user (reason `disabled`) in the same transaction. Answers the updated user or undefined.
   */
  setUserStatus(userId: string, status: UserStatus, reason: string | null, now: number): Promise<UserRow | undefined>;
  /**
   * Account deletion in one transaction: revokes the user's live sessions (reason `user_deleted`; the rows stay
   * until swept, so a refresh answers `expired`), deletes its `wechat_sessions` row and its `users` row, and inserts
   * `audit` (the caller hashes the openid in it). False, and nothing written, when there is no such user.
   */
  deleteUser(userId: string, audit: AuditEventRow): Promise<boolean>;
  /**
   * Admin user list, newest first, paged by id. `q` matches id, openid, unionid or E.164 phone exactly (all indexed),
   * never a substring. `limit` is clamped to 1..100; `cursor` is the previous page's `nextCursor`.
   */
  searchUsers(query: { q?: string; cursor?: string; limit: number }): Promise<Page<UserRow>>;
  /** Users of other appids with the same unionid (none when the user has no unionid), ordered by appid. */
  linkedAccounts(user: UserRow): Promise<UserRow[]>;
}
