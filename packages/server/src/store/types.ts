/**
 * The store's rows and operations, shared by every SQL dialect.
 *
 * Times are epoch milliseconds (BIGINT in SQL). Ids are made by the service (UUIDv7), never by the database.
 * Rows are camelCase here; columns are snake_case in SQL.
 */

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

/** `login_codes.state`. */
export type LoginCodeState = 'pending' | 'done' | 'failed';

/** A row of `login_codes`: the idempotency memo of one `wx.login()` code. */
export interface LoginCodeRow {
  /** SHA-256 (hex) of `appid|code`: the code itself is never stored. */
  codeHash: string;
  appid: string;
  state: LoginCodeState;
  userId: string | null;
  familyId: string | null;
  /** SHA-256 (hex) of the `loginNonce` the first request carried, or null. */
  nonceHash: string | null;
  /** For `failed`: the serialised error to replay (opaque to the store). */
  errcode: string | null;
  createdAt: number;
  /**
   * When the request now holding the row claimed it: `createdAt` for the first claim, later for a request that took
   * over a row left `pending` by a dead one. It also fences the finishing writes: only the holder of this claim may
   * complete, fail or free the row. Null on rows written before the column existed (then `createdAt` counts).
   */
  claimedAt: number | null;
  expiresAt: number;
}

/** A row of `leases`: a named claim held by one owner until it is released or `expiresAt` passes. */
export interface LeaseRow {
  /** What is held, e.g. `phone-bind:<userId>`. */
  name: string;
  /** Who holds it: an id the acquirer made, so only it can release it. */
  owner: string;
  expiresAt: number;
}

/** A row of `refresh_families`: one login session (device). */
export interface RefreshFamilyRow {
  id: string;
  appid: string;
  userId: string;
  generation: number;
  /** When `generation` last moved; the grace window of the predecessor is judged on it. */
  rotatedAt: number;
  lastUsedAt: number;
  /** Sliding expiry, pushed forward at each rotation, never past `absoluteExpiresAt`. */
  expiresAt: number;
  absoluteExpiresAt: number;
  revokedAt: number | null;
  revokedReason: string | null;
  createdIp: string | null;
  userAgent: string | null;
  createdAt: number;
}

/** A row of `signing_keys`. */
export interface SigningKeyRow {
  kid: string;
  alg: string;
  /** Sealed private JWK (see the server's sealing module): never stored in clear. */
  privateJwkSealed: string;
  /** Public JWK as JSON text. */
  publicJwk: string;
  createdAt: number;
  retiredAt: number | null;
}

/** A row of `audit_events`. */
export interface AuditEventRow {
  id: string;
  at: number;
  /** `user:<id>`, `admin`, `system`. */
  actor: string;
  /** e.g. `refresh.reuse_detected`, `user.unionid_changed`, `user.deleted`. */
  action: string;
  appid: string | null;
  userId: string | null;
  /** JSON text. Never holds a secret. */
  detailJson: string | null;
}

/** A row of `login_stats`: login outcomes counted in memory by one instance and flushed every 10 s. */
export interface LoginStatRow {
  appid: string;
  /** Epoch ms at the start of the minute (a multiple of 60 000). */
  minute: number;
  /** `success` or the error code. */
  outcome: string;
  /** Which instance counted them (so several instances never write the same row at once). */
  instance: string;
  count: number;
}

/** `login_stats` summed over instances. */
export type LoginStatTotal = Omit<LoginStatRow, 'instance'>;

/** One page of an admin list, newest first; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** How long `sweep` keeps dead rows, in ms. */
export interface SweepRetention {
  /** Families that expired (sliding or absolute) or were revoked more than this long ago go. Default 7 days. */
  familiesMs?: number;
  /** `login_stats` minutes older than this go. Default 30 days. */
  statsMs?: number;
}

/** How many rows `sweep` deleted. */
export interface SweepCounts {
  loginCodes: number;
  families: number;
  stats: number;
}

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
  family: Omit<RefreshFamilyRow, 'userId' | 'revokedAt' | 'revokedReason'>;
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
   * False when the user is disabled: then no family was created and the login code was left `pending`
   * (the caller fails it with `USER_DISABLED`). The session_key is stored either way.
   */
  familyCreated: boolean;
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

/** What `takeOverLoginCode` needs. */
export interface TakeOverLoginCodeInput {
  codeHash: string;
  /** Only a `pending` row claimed before this instant (its holder is presumed dead) is taken. */
  staleBefore: number;
  /** The new claim (the taker's clock); it fences the taker's finishing writes. */
  claimedAt: number;
  /** SHA-256 of the taker's `loginNonce`, or null: replays must now match the taker's request. */
  nonceHash: string | null;
}

/** What `rotateFamily` needs. */
export interface RotateFamilyInput {
  familyId: string;
  generation: number;
  /**
   * Read by the store inside the transaction, right before it judges and stamps the row: `rotatedAt` is when the
   * rotating statement ran, not when the request began, so a request that waited for the database does not shorten
   * the grace window of its own client's retry.
   */
  clock: () => number;
  graceMs: number;
  refreshTtlMs: number;
  /** Inserted on reuse; the store sets `at` (the statement's time), `appid` and `userId` (the family's). */
  reuseAudit: Omit<AuditEventRow, 'at' | 'appid' | 'userId'>;
}

/** Outcome of a refresh-token presentation, decided inside one transaction. */
export type RotateResult =
  | { kind: 'rotated'; family: RefreshFamilyRow }
  | { kind: 'grace'; family: RefreshFamilyRow }
  | { kind: 'reused'; family: RefreshFamilyRow }
  | { kind: 'expired' }
  | { kind: 'not_found' };

/**
 * The data port of the service. One implementation on Kysely serves SQLite, PostgreSQL and MySQL/MariaDB; what
 * differs between them (insert-if-absent, upsert, the named lock, connection setup) lives in `store/<dialect>/`.
 */
export interface Store {
  /** `sqlite`, `postgres` or `mysql`. */
  readonly dialect: 'sqlite' | 'postgres' | 'mysql';
  /** Applies pending migrations under a lock, so several instances starting together are safe. */
  migrate(): Promise<void>;
  /**
   * Runs `fn` while holding a named cluster-wide lock: a PostgreSQL advisory lock or MySQL `GET_LOCK` (waiting at
   * most 60 s, then throwing), or on SQLite an in-process mutex (SQLite serves one process). The lock and every
   * waiter pin one pool connection each while `fn` runs its queries on others, so it is only for rare work done once
   * per process (creating the first signing key, `wxlogin keys rotate`), never on a request path: there, take a
   * lease ({@link Store.acquireLease}). Not reentrant: never take the same name inside `fn`.
   */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Takes the lease `name` for `owner` until `now + ttlMs`: inserted when absent, or taken over with a
   * compare-and-set when the holder's lease has expired (a crashed holder). False, at once, while another owner
   * holds it. Each call is one or two single statements: no connection is held between them, and nobody waits.
   */
  acquireLease(input: { name: string; owner: string; now: number; ttlMs: number }): Promise<boolean>;
  /** Releases the lease if `owner` still holds it (a lease that expired and was taken over stays with its new owner). */
  releaseLease(name: string, owner: string): Promise<void>;
  /** Cheap round trip, for `/readyz`. Throws when the database is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // Login memo
  /**
   * Inserts a `pending` row if none exists for `codeHash`, claimed at `createdAt`. True when this caller inserted it
   * (and so calls WeChat).
   */
  claimLoginCode(row: Pick<LoginCodeRow, 'codeHash' | 'appid' | 'nonceHash' | 'createdAt' | 'expiresAt'>): Promise<boolean>;
  /**
   * Takes over a `pending` row whose claim is older than `staleBefore` (its request died between claiming and
   * finishing): one compare-and-set statement, so of concurrent takers exactly one gets true and calls WeChat.
   */
  takeOverLoginCode(input: TakeOverLoginCodeInput): Promise<boolean>;
  getLoginCode(codeHash: string): Promise<LoginCodeRow | undefined>;
  /**
   * Marks the row `failed` with a serialised error to replay. With `claimedAt`, only a `pending` row still held under
   * that claim is changed.
   */
  failLoginCode(codeHash: string, error: string, claimedAt?: number): Promise<void>;
  /**
   * Removes a `pending` row (after a transient WeChat failure, so the same code may be tried again). With
   * `claimedAt`, only while the row is still held under that claim.
   */
  deleteLoginCode(codeHash: string, claimedAt?: number): Promise<void>;
  /**
   * In one short transaction: insert-if-absent the user by (appid, openid), refresh its unionid (audited when it
   * changes), set `last_login_at`, upsert the sealed session_key, create the refresh family and mark the code `done`.
   * A unionid still held by another user of the same app (a stale row) is taken from it, in the same audit event
   * (`user.unionid_changed`, detail `{ from, to, takenFromUserId? }`, actor `system`).
   */
  completeLogin(input: CompleteLoginInput): Promise<CompleteLoginResult>;

  // Users
  getUser(id: string): Promise<UserRow | undefined>;
  getUserByOpenid(appid: string, openid: string): Promise<UserRow | undefined>;
  updateProfile(id: string, patch: { nickname?: string | null; avatarUrl?: string | null }, now: number): Promise<UserRow | undefined>;

  // WeChat sessions
  getSessionKeySealed(appid: string, openid: string): Promise<string | undefined>;

  // Refresh families
  getFamily(id: string): Promise<RefreshFamilyRow | undefined>;
  /**
   * Judges a presented (familyId, generation) in one transaction, at `now = clock()` read inside it:
   * current → compare-and-swap `generation + 1`, `rotatedAt = now` (sliding `expiresAt = min(now + refreshTtlMs,
   * absoluteExpiresAt)`);
   * current − 1 with `now - rotatedAt <= graceMs` → `grace` (nothing written);
   * any other older generation → revoke the family (`reuse`), insert `reuseAudit`, answer `reused`;
   * revoked, expired or past its absolute expiry → `expired`; unknown → `not_found`; a generation ahead of the
   * stored one (a database restored from a backup) → `expired`, nothing written.
   * A lost compare-and-swap race re-reads the clock and the row and judges again (so of two concurrent presentations
   * of the current generation one gets `rotated`, the other `grace`). A `rotated` family is the row after the swap.
   */
  rotateFamily(input: RotateFamilyInput): Promise<RotateResult>;
  /** Revokes one family (no-op if already revoked). True when this call revoked it. */
  revokeFamily(id: string, reason: string, now: number): Promise<boolean>;
  /** Revokes every live family of a user; answers how many. */
  revokeUserFamilies(userId: string, reason: string, now: number): Promise<number>;

  // Signing keys
  listSigningKeys(): Promise<SigningKeyRow[]>;
  insertSigningKey(row: SigningKeyRow): Promise<void>;
  retireSigningKey(kid: string, at: number): Promise<void>;

  // Audit
  insertAudit(event: AuditEventRow): Promise<void>;
  /**
   * How many `action` events of `userId` happened at or after `since`, and when the earliest of them did (null when
   * none): per-user limits counted in the database hold across instances.
   */
  countAuditEvents(query: { userId: string; action: string; since: number }): Promise<{ count: number; firstAt: number | null }>;

  // User lifecycle and admin
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
   * live family of the user (reason `disabled`) in the same transaction. Answers the updated user or undefined.
   */
  setUserStatus(userId: string, status: UserStatus, reason: string | null, now: number): Promise<UserRow | undefined>;
  /**
   * Account deletion in one transaction: revokes the user's live families (reason `user_deleted`; the rows stay
   * until swept, so a refresh answers `expired`), deletes its `wechat_sessions` row and its `users` row, and inserts
   * `audit` (the caller hashes the openid in it). False, and nothing written, when there is no such user.
   */
  deleteUser(userId: string, audit: AuditEventRow): Promise<boolean>;
  /** The user's families (live and revoked, until swept), newest first, at most 200. */
  listUserFamilies(userId: string): Promise<RefreshFamilyRow[]>;
  /**
   * Admin user list, newest first, paged by id. `q` matches id, openid, unionid or E.164 phone exactly (all indexed),
   * never a substring. `limit` is clamped to 1..100; `cursor` is the previous page's `nextCursor`.
   */
  searchUsers(query: { q?: string; cursor?: string; limit: number }): Promise<Page<UserRow>>;
  /** Users of other appids with the same unionid (none when the user has no unionid), ordered by appid. */
  linkedAccounts(user: UserRow): Promise<UserRow[]>;
  /** Audit log, newest first, paged by id, optionally of one user. `limit` is clamped to 1..100. */
  listAudit(query: { cursor?: string; limit: number; userId?: string }): Promise<Page<AuditEventRow>>;
  /** Adds the counts to `login_stats` (additive upsert on appid, minute, outcome, instance). */
  addLoginStats(rows: readonly LoginStatRow[]): Promise<void>;
  /** Counts per (appid, minute, outcome) summed over instances, for minutes `>= since`, ordered by minute. */
  loginStats(query: { since: number; appid?: string }): Promise<LoginStatTotal[]>;
  /**
   * Retention: deletes expired `login_codes`, families dead (expired or revoked) for longer than
   * `retention.familiesMs`, and stats older than `retention.statsMs`. Works in bounded batches. Expired leases (left
   * by crashed holders) go too, uncounted.
   */
  sweep(now: number, retention?: SweepRetention): Promise<SweepCounts>;
}
