import type { SessionRow } from './sessions.js';
import type { UserRow } from './users.js';

/** What `completeLogin` needs: everything one successful code2Session produced. */
export interface CompleteLoginInput {
  codeHash: string;
  appid: string;
  openid: string;
  /** As WeChat returned it this time; `null` when absent (then the stored one is kept). */
  unionid: string | null;
  /** The id a new user gets; when the (appid, openid) user exists already, it is ignored. */
  newUserId: string;
  /** `session_key`, already sealed with AAD bound to (wechat_sessions, appid, openid). */
  sessionKeySealed: string;
  /**
   * The caller's claim on the code (`claimedAt` of its row). When given, the row is marked `done` only while it is
   * still `pending` under that claim: a request that was taken for dead and taken over still commits its user and
   * session, but leaves the memo to the request that holds it now.
   */
  claimedAt?: number;
  /** The new session; `userId` is filled in by the store. */
  session: Omit<SessionRow, 'userId' | 'revokedAt' | 'revokedReason'>;
  /** Audit id to use if the unionid changes. */
  auditId: string;
  now: number;
}

/** What `completeLogin` answers. */
export interface CompleteLoginResult {
  user: UserRow;
  /** True when this login created the (appid, openid) user. */
  isNew: boolean;
  /**
   * False when the user is disabled: then no session was created and the login code was left `pending`
   * (the caller fails it with `USER_DISABLED`). The session_key is stored either way.
   */
  sessionCreated: boolean;
}

/** The one transaction of a successful login, across users, `wechat_sessions`, sessions and the memo. */
export interface CompleteLoginStore {
  /**
   * In one short transaction: insert-if-absent the user by (appid, openid), refresh its unionid (audited when it
   * changes), set `last_login_at`, upsert the sealed session_key, create the session and mark the code `done`.
   * A unionid still held by another user of the same app (a stale row) is taken from it, in the same audit event
   * (`user.unionid_changed`, detail `{ from, to, takenFromUserId? }`, actor `system`).
   */
  completeLogin(input: CompleteLoginInput): Promise<CompleteLoginResult>;
}
