import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { UniqueViolationError } from './errors.js';
import type { Database } from './schema.js';
import type {
  AuditEventRow,
  CompleteLoginInput,
  CompleteLoginResult,
  LoginCodeRow,
  LoginStatRow,
  LoginStatTotal,
  MovePhoneInput,
  MovePhoneResult,
  Page,
  RefreshFamilyRow,
  RotateFamilyInput,
  RotateResult,
  SigningKeyRow,
  Store,
  SweepCounts,
  SweepRetention,
  TakeOverLoginCodeInput,
  UserRow,
  UserStatus,
} from './types.js';

const DAY_MS = 86_400_000;
/** Whole-transaction attempts when the database reports a deadlock or serialization failure. */
const TRANSACTION_ATTEMPTS = 3;
/** Re-judgements of one refresh presentation after losing the compare-and-swap; more means something is wrong. */
const ROTATE_ATTEMPTS = 5;
const SWEEP_BATCH = 1000;
const SWEEP_MAX_BATCHES = 100;
const STATS_ROWS_PER_STATEMENT = 200;
const FAMILIES_LISTED = 200;
// Every column an admin search may match holds printable ASCII only; anything else can match nothing, and MySQL
// would have to convert it to the columns' `ascii` character set to compare.
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

function clampLimit(limit: number): number {
  return Math.min(100, Math.max(1, Math.trunc(Number.isFinite(limit) ? limit : 1)));
}

/** Free text cut to its column's length, so a long User-Agent never fails a login. */
function bounded(value: string | null, length: number): string | null {
  return value === null ? null : value.slice(0, length);
}

function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}

/**
 * The {@link Store} on Kysely, written once for SQLite, PostgreSQL and MySQL/MariaDB: plain portable SQL (no
 * RETURNING, no upsert syntax), with the dialect's `insertIfAbsent`/`upsert`/locks where they differ. Ids come from
 * the service, so whether a row is ours is told by reading it back.
 */
export class KyselyStore implements Store {
  readonly dialect: Store['dialect'];
  readonly #d: StoreDialect;
  readonly #db: Kysely<Database>;

  constructor(dialect: StoreDialect) {
    this.#d = dialect;
    this.#db = dialect.db;
    this.dialect = dialect.name;
  }

  /**
   * A write transaction, run again whole when the database chose it as a deadlock or serialization victim, or,
   * with `retryUniqueViolation`, when a concurrent transaction took a unique value first (the rerun sees its row).
   */
  async #tx<R>(fn: (trx: Kysely<Database>) => Promise<R>, retryUniqueViolation = false): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#d.transaction(fn);
      } catch (err) {
        const again =
          this.#d.isRetryable(err) || (retryUniqueViolation && this.#d.uniqueViolationColumn(err) !== undefined);
        if (attempt < TRANSACTION_ATTEMPTS && again) continue;
        throw this.#mapError(err);
      }
    }
  }

  #mapError(err: unknown): unknown {
    const column = this.#d.uniqueViolationColumn(err);
    return column === undefined ? err : new UniqueViolationError(column);
  }

  migrate(): Promise<void> {
    return this.#d.migrate();
  }

  withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.#d.withLock(name, fn);
  }

  async acquireLease(input: { name: string; owner: string; now: number; ttlMs: number }): Promise<boolean> {
    const { name, owner, now } = input;
    const lease = { name, owner, expiresAt: now + input.ttlMs };
    if (await this.#d.insertIfAbsent(this.#db, 'leases', lease)) return true;
    // Held, or left by a crashed holder: only an expired lease is taken, and of concurrent takers the row lock lets
    // one through (the others' WHERE no longer matches once it moved `expires_at` forward).
    const taken = await this.#db
      .updateTable('leases')
      .set({ owner, expiresAt: lease.expiresAt })
      .where('name', '=', name)
      .where('expiresAt', '<=', now)
      .executeTakeFirst();
    if (taken.numUpdatedRows === 1n) return true;
    // Released between our insert and our update: it is free now, so one more insert decides.
    return this.#d.insertIfAbsent(this.#db, 'leases', lease);
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.#db.deleteFrom('leases').where('name', '=', name).where('owner', '=', owner).execute();
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db);
  }

  close(): Promise<void> {
    return this.#d.close();
  }

  // Login memo

  claimLoginCode(
    row: Pick<LoginCodeRow, 'codeHash' | 'appid' | 'nonceHash' | 'createdAt' | 'expiresAt'>,
  ): Promise<boolean> {
    return this.#d.insertIfAbsent(this.#db, 'login_codes', {
      codeHash: row.codeHash,
      appid: row.appid,
      state: 'pending',
      userId: null,
      familyId: null,
      nonceHash: row.nonceHash,
      errcode: null,
      createdAt: row.createdAt,
      claimedAt: row.createdAt,
      expiresAt: row.expiresAt,
    });
  }

  async takeOverLoginCode(input: TakeOverLoginCodeInput): Promise<boolean> {
    // One compare-and-set: of concurrent takers the first moves the claim past `staleBefore`, and the others'
    // WHERE, re-checked on the row they waited for, no longer matches.
    const taken = await this.#db
      .updateTable('login_codes')
      .set({ claimedAt: input.claimedAt, nonceHash: input.nonceHash })
      .where('codeHash', '=', input.codeHash)
      .where('state', '=', 'pending')
      .where((eb) => eb(eb.fn.coalesce('claimedAt', 'createdAt'), '<', input.staleBefore))
      .executeTakeFirst();
    return taken.numUpdatedRows === 1n;
  }

  getLoginCode(codeHash: string): Promise<LoginCodeRow | undefined> {
    return this.#db.selectFrom('login_codes').selectAll().where('codeHash', '=', codeHash).executeTakeFirst();
  }

  async failLoginCode(codeHash: string, error: string, claimedAt?: number): Promise<void> {
    let update = this.#db
      .updateTable('login_codes')
      .set({ state: 'failed', errcode: error })
      .where('codeHash', '=', codeHash);
    if (claimedAt !== undefined) update = update.where('state', '=', 'pending').where('claimedAt', '=', claimedAt);
    await update.execute();
  }

  async deleteLoginCode(codeHash: string, claimedAt?: number): Promise<void> {
    let remove = this.#db.deleteFrom('login_codes').where('codeHash', '=', codeHash).where('state', '=', 'pending');
    if (claimedAt !== undefined) remove = remove.where('claimedAt', '=', claimedAt);
    await remove.execute();
  }

  completeLogin(input: CompleteLoginInput): Promise<CompleteLoginResult> {
    const { appid, openid, now } = input;
    return this.#tx(async (trx) => {
      // The unionid is not inserted here: a unionid held by another row must not make the insert a silent no-op.
      await this.#d.insertIfAbsent(trx, 'users', {
        id: input.newUserId,
        appid,
        openid,
        unionid: null,
        phoneE164: null,
        nickname: null,
        avatarUrl: null,
        status: 'active',
        disabledReason: null,
        createdAt: now,
        lastLoginAt: now,
        updatedAt: now,
      });
      const found = await trx
        .selectFrom('users')
        .selectAll()
        .where('openid', '=', openid)
        .where('appid', '=', appid)
        .executeTakeFirstOrThrow();
      const isNew = found.id === input.newUserId;

      let user: UserRow = { ...found, lastLoginAt: now };
      if (input.unionid !== null && input.unionid !== found.unionid) {
        // WeChat's answer is the truth: a row of this app still holding the unionid is stale, so it gives it up.
        const holder = await trx
          .selectFrom('users')
          .select('id')
          .where('unionid', '=', input.unionid)
          .where('appid', '=', appid)
          .where('id', '<>', found.id)
          .executeTakeFirst();
        if (holder !== undefined) {
          await trx.updateTable('users').set({ unionid: null, updatedAt: now }).where('id', '=', holder.id).execute();
        }
        if (found.unionid !== null || holder !== undefined) {
          await this.#insertAudit(trx, {
            id: input.auditId,
            at: now,
            actor: 'system',
            action: 'user.unionid_changed',
            appid,
            userId: found.id,
            detailJson: JSON.stringify({
              from: found.unionid,
              to: input.unionid,
              ...(holder === undefined ? {} : { takenFromUserId: holder.id }),
            }),
          });
        }
        user = { ...user, unionid: input.unionid, updatedAt: now };
      }
      await trx
        .updateTable('users')
        .set({ lastLoginAt: now, unionid: user.unionid, updatedAt: user.updatedAt })
        .where('id', '=', found.id)
        .execute();

      await this.#d.upsert(
        trx,
        'wechat_sessions',
        [{ appid, openid, sessionKeySealed: input.sessionKeySealed, updatedAt: now }],
        { key: ['appid', 'openid'], overwrite: ['sessionKeySealed', 'updatedAt'] },
      );

      if (user.status !== 'active') return { user, isNew, familyCreated: false };

      await trx
        .insertInto('refresh_families')
        .values({
          ...input.family,
          userId: user.id,
          revokedAt: null,
          revokedReason: null,
          createdIp: bounded(input.family.createdIp, 64),
          userAgent: bounded(input.family.userAgent, 512),
        })
        .execute();
      let memo = trx
        .updateTable('login_codes')
        .set({ state: 'done', userId: user.id, familyId: input.family.id })
        .where('codeHash', '=', input.codeHash);
      if (input.claimedAt !== undefined) {
        memo = memo.where('state', '=', 'pending').where('claimedAt', '=', input.claimedAt);
      }
      await memo.execute();
      return { user, isNew, familyCreated: true };
    }, true);
  }

  // Users

  getUser(id: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  getUserByOpenid(appid: string, openid: string): Promise<UserRow | undefined> {
    return this.#db
      .selectFrom('users')
      .selectAll()
      .where('openid', '=', openid)
      .where('appid', '=', appid)
      .executeTakeFirst();
  }

  async updateProfile(
    id: string,
    patch: { nickname?: string | null; avatarUrl?: string | null },
    now: number,
  ): Promise<UserRow | undefined> {
    await this.#db
      .updateTable('users')
      .set({
        ...(patch.nickname === undefined ? {} : { nickname: patch.nickname }),
        ...(patch.avatarUrl === undefined ? {} : { avatarUrl: patch.avatarUrl }),
        updatedAt: now,
      })
      .where('id', '=', id)
      .execute();
    return this.getUser(id);
  }

  async setPhone(userId: string, phoneE164: string | null, now: number): Promise<UserRow | undefined> {
    try {
      await this.#db.updateTable('users').set({ phoneE164, updatedAt: now }).where('id', '=', userId).execute();
    } catch (err) {
      throw this.#mapError(err);
    }
    return this.getUser(userId);
  }

  movePhone(input: MovePhoneInput): Promise<MovePhoneResult> {
    const { userId, phoneE164, now } = input;
    return this.#tx(async (trx) => {
      const user = await trx.selectFrom('users').select('appid').where('id', '=', userId).executeTakeFirst();
      if (user === undefined) return { user: undefined, fromUserId: null };
      const holder = await trx
        .selectFrom('users')
        .select('id')
        .where('phoneE164', '=', phoneE164)
        .where('appid', '=', user.appid)
        .where('id', '<>', userId)
        .executeTakeFirst();
      let fromUserId: string | null = null;
      if (holder !== undefined) {
        // Conditional on the number: a holder that lost it to a concurrent move meanwhile keeps whatever it has now.
        const cleared = await trx
          .updateTable('users')
          .set({ phoneE164: null, updatedAt: now })
          .where('id', '=', holder.id)
          .where('phoneE164', '=', phoneE164)
          .executeTakeFirst();
        if (cleared.numUpdatedRows > 0n) fromUserId = holder.id;
      }
      // Collides when someone else took the number after our read: the retried transaction sees them as the holder.
      await trx.updateTable('users').set({ phoneE164, updatedAt: now }).where('id', '=', userId).execute();
      if (fromUserId !== null) await this.#insertAudit(trx, { ...input.audit, userId: fromUserId });
      const row = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
      return { user: row, fromUserId };
    }, true);
  }

  setUserStatus(userId: string, status: UserStatus, reason: string | null, now: number): Promise<UserRow | undefined> {
    return this.#tx(async (trx) => {
      const result = await trx
        .updateTable('users')
        .set({ status, disabledReason: status === 'disabled' ? bounded(reason, 255) : null, updatedAt: now })
        .where('id', '=', userId)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return undefined;
      if (status === 'disabled') await this.#revokeUserFamilies(trx, userId, 'disabled', now);
      return trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    });
  }

  deleteUser(userId: string, audit: AuditEventRow): Promise<boolean> {
    return this.#tx(async (trx) => {
      const user = await trx
        .selectFrom('users')
        .select(['appid', 'openid'])
        .where('id', '=', userId)
        .executeTakeFirst();
      if (user === undefined) return false;
      await this.#revokeUserFamilies(trx, userId, 'user_deleted', audit.at);
      await trx
        .deleteFrom('wechat_sessions')
        .where('appid', '=', user.appid)
        .where('openid', '=', user.openid)
        .execute();
      await trx.deleteFrom('users').where('id', '=', userId).execute();
      await this.#insertAudit(trx, audit);
      return true;
    });
  }

  async searchUsers(query: { q?: string; cursor?: string; limit: number }): Promise<Page<UserRow>> {
    const limit = clampLimit(query.limit);
    const q = query.q?.trim() ?? '';
    const cursor = query.cursor;
    if (cursor !== undefined && !PRINTABLE_ASCII.test(cursor)) return { items: [], nextCursor: null };
    if (q === '') {
      let select = this.#db.selectFrom('users').selectAll();
      if (cursor !== undefined) select = select.where('id', '<', cursor);
      return page(await select.orderBy('id', 'desc').limit(limit + 1).execute(), limit);
    }
    if (!PRINTABLE_ASCII.test(q)) return { items: [], nextCursor: null };
    // One exact, indexed lookup per column (each unique constraint leads with its column); an OR across four
    // columns may be planned as a scan of the primary key in order instead.
    const byColumn = (column: 'id' | 'openid' | 'unionid' | 'phoneE164') =>
      this.#db.selectFrom('users').selectAll().where(column, '=', q);
    const rows = await byColumn('id')
      .union(byColumn('openid'))
      .union(byColumn('unionid'))
      .union(byColumn('phoneE164'))
      .execute();
    const sorted = rows
      .filter((row) => cursor === undefined || row.id < cursor)
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return page(sorted, limit);
  }

  async linkedAccounts(user: UserRow): Promise<UserRow[]> {
    if (user.unionid === null) return [];
    return this.#db
      .selectFrom('users')
      .selectAll()
      .where('unionid', '=', user.unionid)
      .where('appid', '<>', user.appid)
      .orderBy('appid')
      .execute();
  }

  // WeChat sessions

  async getSessionKeySealed(appid: string, openid: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('wechat_sessions')
      .select('sessionKeySealed')
      .where('appid', '=', appid)
      .where('openid', '=', openid)
      .executeTakeFirst();
    return row?.sessionKeySealed;
  }

  // Refresh families

  getFamily(id: string): Promise<RefreshFamilyRow | undefined> {
    return this.#db.selectFrom('refresh_families').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listUserFamilies(userId: string): Promise<RefreshFamilyRow[]> {
    return this.#db
      .selectFrom('refresh_families')
      .selectAll()
      .where('userId', '=', userId)
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(FAMILIES_LISTED)
      .execute();
  }

  rotateFamily(input: RotateFamilyInput): Promise<RotateResult> {
    const { familyId, generation } = input;
    return this.#tx(async (trx) => {
      for (let attempt = 0; attempt < ROTATE_ATTEMPTS; attempt++) {
        // Here, not at the request's start: the connection, the transaction and any lost race are behind us, so the
        // stamp is the time the rotation commits, and grace for the client's retry runs from there.
        const now = input.clock();
        // Read committed (PostgreSQL's default, set per session on MySQL): after a lost compare-and-swap this read
        // sees the winner's row, and the presentation is judged again against it.
        const family = await trx
          .selectFrom('refresh_families')
          .selectAll()
          .where('id', '=', familyId)
          .executeTakeFirst();
        if (family === undefined) return { kind: 'not_found' };
        if (family.revokedAt !== null || now >= family.expiresAt || now >= family.absoluteExpiresAt) {
          return { kind: 'expired' };
        }
        if (generation === family.generation) {
          const next = {
            generation: family.generation + 1,
            rotatedAt: now,
            lastUsedAt: now,
            expiresAt: Math.min(now + input.refreshTtlMs, family.absoluteExpiresAt),
          };
          const swapped = await trx
            .updateTable('refresh_families')
            .set(next)
            .where('id', '=', familyId)
            .where('generation', '=', family.generation)
            .where('revokedAt', 'is', null)
            .executeTakeFirst();
          if (swapped.numUpdatedRows === 1n) return { kind: 'rotated', family: { ...family, ...next } };
          continue;
        }
        if (generation === family.generation - 1 && now - family.rotatedAt <= input.graceMs) {
          return { kind: 'grace', family };
        }
        if (generation < family.generation) {
          const revoked = await trx
            .updateTable('refresh_families')
            .set({ revokedAt: now, revokedReason: 'reuse' })
            .where('id', '=', familyId)
            .where('revokedAt', 'is', null)
            .executeTakeFirst();
          if (revoked.numUpdatedRows !== 1n) continue;
          // The caller cannot know whose family it is before this read: the audit row names it.
          await this.#insertAudit(trx, { ...input.reuseAudit, at: now, appid: family.appid, userId: family.userId });
          return { kind: 'reused', family: { ...family, revokedAt: now, revokedReason: 'reuse' } };
        }
        // A generation ahead of the database (restored from a backup): the session cannot be continued.
        return { kind: 'expired' };
      }
      throw new Error(`refresh family rotation did not settle after ${ROTATE_ATTEMPTS} attempts`);
    });
  }

  async revokeFamily(id: string, reason: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('refresh_families')
      .set({ revokedAt: now, revokedReason: reason })
      .where('id', '=', id)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  revokeUserFamilies(userId: string, reason: string, now: number): Promise<number> {
    return this.#revokeUserFamilies(this.#db, userId, reason, now);
  }

  async #revokeUserFamilies(db: Kysely<Database>, userId: string, reason: string, now: number): Promise<number> {
    const result = await db
      .updateTable('refresh_families')
      .set({ revokedAt: now, revokedReason: reason })
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  // Signing keys

  listSigningKeys(): Promise<SigningKeyRow[]> {
    return this.#db.selectFrom('signing_keys').selectAll().orderBy('createdAt').orderBy('kid').execute();
  }

  async insertSigningKey(row: SigningKeyRow): Promise<void> {
    await this.#db.insertInto('signing_keys').values(row).execute();
  }

  async retireSigningKey(kid: string, at: number): Promise<void> {
    await this.#db
      .updateTable('signing_keys')
      .set({ retiredAt: at })
      .where('kid', '=', kid)
      .where('retiredAt', 'is', null)
      .execute();
  }

  // Audit

  insertAudit(event: AuditEventRow): Promise<void> {
    return this.#insertAudit(this.#db, event);
  }

  async #insertAudit(db: Kysely<Database>, event: AuditEventRow): Promise<void> {
    await db.insertInto('audit_events').values(event).execute();
  }

  async countAuditEvents(query: { userId: string; action: string; since: number }): Promise<{ count: number; firstAt: number | null }> {
    const row = await this.#db
      .selectFrom('audit_events')
      .select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.min<number | string | null>('at').as('firstAt')])
      .where('userId', '=', query.userId)
      .where('action', '=', query.action)
      .where('at', '>=', query.since)
      .executeTakeFirstOrThrow();
    // COUNT and MIN of BIGINT come back as strings on PostgreSQL (and COUNT on MySQL as a BIGINT string).
    return { count: Number(row.count), firstAt: row.firstAt === null ? null : Number(row.firstAt) };
  }

  async listAudit(query: { cursor?: string; limit: number; userId?: string }): Promise<Page<AuditEventRow>> {
    const limit = clampLimit(query.limit);
    let select = this.#db.selectFrom('audit_events').selectAll();
    if (query.userId !== undefined) select = select.where('userId', '=', query.userId);
    if (query.cursor !== undefined) select = select.where('id', '<', query.cursor);
    return page(await select.orderBy('id', 'desc').limit(limit + 1).execute(), limit);
  }

  // Stats

  async addLoginStats(rows: readonly LoginStatRow[]): Promise<void> {
    // One row per key: PostgreSQL refuses an upsert that touches the same row twice in one statement.
    const merged = new Map<string, LoginStatRow>();
    for (const row of rows) {
      if (row.count === 0) continue;
      const key = JSON.stringify([row.appid, row.minute, row.outcome, row.instance]);
      const seen = merged.get(key);
      merged.set(key, seen === undefined ? { ...row } : { ...seen, count: seen.count + row.count });
    }
    const all = [...merged.values()];
    if (all.length === 0) return;
    await this.#tx(async (trx) => {
      for (let i = 0; i < all.length; i += STATS_ROWS_PER_STATEMENT) {
        await this.#d.upsert(trx, 'login_stats', all.slice(i, i + STATS_ROWS_PER_STATEMENT), {
          key: ['appid', 'minute', 'outcome', 'instance'],
          add: ['count'],
        });
      }
    });
  }

  async loginStats(query: { since: number; appid?: string }): Promise<LoginStatTotal[]> {
    let select = this.#db
      .selectFrom('login_stats')
      .select((eb) => ['appid', 'minute', 'outcome', eb.fn.sum<number | string>('count').as('count')])
      .where('minute', '>=', query.since);
    if (query.appid !== undefined) select = select.where('appid', '=', query.appid);
    const rows = await select
      .groupBy(['appid', 'minute', 'outcome'])
      .orderBy('minute')
      .orderBy('appid')
      .orderBy('outcome')
      .execute();
    // SUM widens the type (numeric on PostgreSQL, DECIMAL on MySQL): back to a number.
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  }

  // Retention

  async sweep(now: number, retention: SweepRetention = {}): Promise<SweepCounts> {
    const familiesBefore = now - (retention.familiesMs ?? 7 * DAY_MS);
    const statsBefore = now - (retention.statsMs ?? 30 * DAY_MS);
    const db = this.#db;

    let loginCodes = 0;
    for (let batch = 0; batch < SWEEP_MAX_BATCHES; batch++) {
      const keys = await db
        .selectFrom('login_codes')
        .select('codeHash')
        .where('expiresAt', '<', now)
        .limit(SWEEP_BATCH)
        .execute();
      if (keys.length === 0) break;
      const deleted = await db
        .deleteFrom('login_codes')
        .where(
          'codeHash',
          'in',
          keys.map((k) => k.codeHash),
        )
        .where('expiresAt', '<', now)
        .executeTakeFirst();
      loginCodes += Number(deleted.numDeletedRows);
      if (keys.length < SWEEP_BATCH) break;
    }

    let families = 0;
    for (let batch = 0; batch < SWEEP_MAX_BATCHES; batch++) {
      // `expires_at` never passes `absolute_expires_at`, so it covers both expiries.
      const ids = await db
        .selectFrom('refresh_families')
        .select('id')
        .where((eb) => eb.or([eb('expiresAt', '<', familiesBefore), eb('revokedAt', '<', familiesBefore)]))
        .limit(SWEEP_BATCH)
        .execute();
      if (ids.length === 0) break;
      const deleted = await db
        .deleteFrom('refresh_families')
        .where(
          'id',
          'in',
          ids.map((f) => f.id),
        )
        .executeTakeFirst();
      families += Number(deleted.numDeletedRows);
      if (ids.length < SWEEP_BATCH) break;
    }

    const stats = await db.deleteFrom('login_stats').where('minute', '<', statsBefore).executeTakeFirst();
    // A handful at most (a lease outlives its holder only when the holder crashed): one statement.
    await db.deleteFrom('leases').where('expiresAt', '<', now).execute();
    return { loginCodes, families, stats: Number(stats.numDeletedRows) };
  }
}
