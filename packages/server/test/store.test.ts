import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../src/ids.js';
import { allMigrations } from '../src/store/migrations/index.js';
import {
  UniqueViolationError,
  type AuditEventRow,
  type CompleteLoginInput,
  type CompleteLoginResult,
  type RotateResult,
  type Store,
} from '../src/store/index.js';
import { createTestStore, databaseAvailable, testDatabases, type TestStore } from './helpers/databases.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const DAY = 86_400_000;
const TTL = 30 * DAY;
const ABSOLUTE_TTL = 90 * DAY;
const newId = createIdGenerator();
const hex = (bytes = 32): string => randomBytes(bytes).toString('hex');
/** A unique appid per test, so tests never see each other's rows. */
const newAppid = (): string => `wx${hex(8)}`;
const newOpenid = (): string => `o${randomBytes(20).toString('base64url').slice(0, 27)}`;

function audit(action: string, overrides: Partial<AuditEventRow> = {}): AuditEventRow {
  return { id: newId(), at: T0, actor: 'system', action, appid: null, userId: null, detailJson: null, ...overrides };
}

interface LoginOptions {
  appid: string;
  openid: string;
  unionid?: string | null;
  now?: number;
  familyId?: string;
}

async function login(
  store: Store,
  o: LoginOptions,
): Promise<CompleteLoginResult & { input: CompleteLoginInput }> {
  const now = o.now ?? T0;
  const codeHash = hex();
  expect(
    await store.claimLoginCode({ codeHash, appid: o.appid, nonceHash: null, createdAt: now, expiresAt: now + MINUTE }),
  ).toBe(true);
  const input: CompleteLoginInput = {
    codeHash,
    appid: o.appid,
    openid: o.openid,
    unionid: o.unionid ?? null,
    newUserId: newId(),
    sessionKeySealed: `v1.abcdef01.${hex(12)}.${hex(40)}`,
    family: {
      id: o.familyId ?? newId(),
      appid: o.appid,
      generation: 0,
      rotatedAt: now,
      lastUsedAt: now,
      expiresAt: now + TTL,
      absoluteExpiresAt: now + ABSOLUTE_TTL,
      createdIp: '127.0.0.1',
      userAgent: 'vitest',
      createdAt: now,
    },
    auditId: newId(),
    now,
  };
  return { ...(await store.completeLogin(input)), input };
}

describe.each(testDatabases().map((db) => [db.tag, db] as const))('%s store', (_tag, db) => {
  if (!databaseAvailable(db)) return;

  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await createTestStore(db);
    store = t.store;
  });
  afterAll(async () => {
    await t?.drop();
  });

  describe(`${db.tag} migrations`, () => {
    it('are idempotent: running them again changes nothing', async () => {
      await store.migrate();
      await store.migrate();
      await store.ping();
      expect(await store.listSigningKeys()).toEqual([]);
    });

    it('a migration whose DDL ran but was never recorded (process killed in between) runs again cleanly', async () => {
      // Every migration from 0013 on: Kysely only accepts unrecorded migrations at the end of the list.
      await t.exec(`delete from kysely_migration where name >= '0013'`);
      await store.migrate();
      const names = (await t.exec('select name from kysely_migration')) as { name: string }[];
      expect(names.map((r) => r.name)).toContain('0014_login_stats_minute_idx');
      expect(names).toHaveLength(allMigrations(store.dialect).length);
    });

    it('the leases table and login_codes.claimed_at re-run cleanly when their DDL ran but was never recorded', async () => {
      await t.exec(`delete from kysely_migration where name in ('0015_leases', '0016_login_codes_claimed_at')`);
      await store.migrate();
      const names = ((await t.exec('select name from kysely_migration')) as { name: string }[]).map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['0015_leases', '0016_login_codes_claimed_at']));
      expect(names).toHaveLength(allMigrations(store.dialect).length);
      expect(await store.acquireLease({ name: `migrated-${hex(4)}`, owner: newId(), now: T0, ttlMs: MINUTE })).toBe(true);
    });

    it('three stores migrating one empty database at once all succeed, each migration applied once', async () => {
      const fresh = await createTestStore(db, { migrate: false });
      try {
        const others = await Promise.all([fresh.open(), fresh.open()]);
        const stores = [fresh.store, ...others];
        const outcomes = await Promise.allSettled(stores.map((s) => s.migrate()));
        expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok']);
        for (const s of stores) {
          const appid = newAppid();
          const { user } = await login(s, { appid, openid: newOpenid() });
          expect((await s.getUser(user.id))?.appid).toBe(appid);
        }
        await fresh.store.migrate();
      } finally {
        await fresh.drop();
      }
    });
  });

  describe(`${db.tag} login memo`, () => {
    it('10 concurrent claims of one code: exactly one wins', async () => {
      const codeHash = hex();
      const appid = newAppid();
      const claims = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.claimLoginCode({ codeHash, appid, nonceHash: null, createdAt: T0, expiresAt: T0 + MINUTE }),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.getLoginCode(codeHash)).toMatchObject({ codeHash, appid, state: 'pending', userId: null });
    });

    it('a failed code keeps its error; delete removes only a pending row', async () => {
      const appid = newAppid();
      const pending = hex();
      const failed = hex();
      for (const codeHash of [pending, failed]) {
        await store.claimLoginCode({ codeHash, appid, nonceHash: hex(), createdAt: T0, expiresAt: T0 + MINUTE });
      }
      await store.failLoginCode(failed, '{"code":"INVALID_CODE"}');
      await store.deleteLoginCode(failed);
      await store.deleteLoginCode(pending);
      expect(await store.getLoginCode(pending)).toBeUndefined();
      expect(await store.getLoginCode(failed)).toMatchObject({ state: 'failed', errcode: '{"code":"INVALID_CODE"}' });
    });

    it('a code left pending by a dead request: of 10 concurrent takeovers exactly one wins, and the dead claim can no longer finish the row', async () => {
      const appid = newAppid();
      const codeHash = hex();
      await store.claimLoginCode({ codeHash, appid, nonceHash: hex(), createdAt: T0, expiresAt: T0 + 5 * MINUTE });
      expect(await store.getLoginCode(codeHash)).toMatchObject({ state: 'pending', claimedAt: T0 });
      const now = T0 + MINUTE;
      const nonceHash = hex();
      const takers = await Promise.all(
        Array.from({ length: 10 }, () => store.takeOverLoginCode({ codeHash, staleBefore: now - 10_000, claimedAt: now, nonceHash })),
      );
      expect(takers.filter(Boolean)).toHaveLength(1);
      expect(await store.getLoginCode(codeHash)).toMatchObject({ state: 'pending', claimedAt: now, nonceHash, createdAt: T0 });

      // The dead request's writes, were it to wake up, touch nothing: the row belongs to the taker now.
      await store.failLoginCode(codeHash, '{"code":"INVALID_CODE"}', T0);
      await store.deleteLoginCode(codeHash, T0);
      expect(await store.getLoginCode(codeHash)).toMatchObject({ state: 'pending', claimedAt: now, errcode: null });
      await store.failLoginCode(codeHash, '{"code":"CODE_ALREADY_USED"}', now);
      expect(await store.getLoginCode(codeHash)).toMatchObject({ state: 'failed', errcode: '{"code":"CODE_ALREADY_USED"}' });
    });

    it('a fresh pending row, a done row and a failed row are never taken over', async () => {
      const appid = newAppid();
      const fresh = hex();
      await store.claimLoginCode({ codeHash: fresh, appid, nonceHash: null, createdAt: T0, expiresAt: T0 + 5 * MINUTE });
      expect(await store.takeOverLoginCode({ codeHash: fresh, staleBefore: T0, claimedAt: T0 + 1, nonceHash: null })).toBe(false);
      const done = await login(store, { appid, openid: newOpenid() });
      expect(await store.takeOverLoginCode({ codeHash: done.input.codeHash, staleBefore: T0 + DAY, claimedAt: T0 + DAY, nonceHash: null })).toBe(false);
      const failed = hex();
      await store.claimLoginCode({ codeHash: failed, appid, nonceHash: null, createdAt: T0, expiresAt: T0 + 5 * MINUTE });
      await store.failLoginCode(failed, '{"code":"INVALID_CODE"}', T0);
      expect(await store.takeOverLoginCode({ codeHash: failed, staleBefore: T0 + DAY, claimedAt: T0 + DAY, nonceHash: null })).toBe(false);
      expect(await store.takeOverLoginCode({ codeHash: hex(), staleBefore: T0 + DAY, claimedAt: T0 + DAY, nonceHash: null })).toBe(false);
    });

    it('a login taken over while it was at WeChat still creates its session, but leaves the memo to the taker', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const first = await login(store, { appid, openid });
      // The same steps as `login`, with a takeover between the claim and completeLogin.
      const codeHash = hex();
      await store.claimLoginCode({ codeHash, appid, nonceHash: null, createdAt: T0, expiresAt: T0 + 5 * MINUTE });
      expect(await store.takeOverLoginCode({ codeHash, staleBefore: T0 + 1, claimedAt: T0 + MINUTE, nonceHash: null })).toBe(true);
      const late = await store.completeLogin({ ...first.input, codeHash, claimedAt: T0, family: { ...first.input.family, id: newId() } });
      expect(late).toMatchObject({ familyCreated: true, user: { id: first.user.id } });
      expect(await store.getLoginCode(codeHash)).toMatchObject({ state: 'pending', claimedAt: T0 + MINUTE, familyId: null });
      const taker = await store.completeLogin({ ...first.input, codeHash, claimedAt: T0 + MINUTE, family: { ...first.input.family, id: newId() } });
      expect(await store.getLoginCode(codeHash)).toMatchObject({ state: 'done', familyId: expect.any(String), userId: taker.user.id });
    });
  });

  describe(`${db.tag} leases`, () => {
    it('a lease is refused to another owner while held, taken over once expired, and released only by its holder', async () => {
      const name = `phone-bind:${newId()}`;
      const [a, b, c] = [newId(), newId(), newId()];
      expect(await store.acquireLease({ name, owner: a, now: T0, ttlMs: 1000 })).toBe(true);
      expect(await store.acquireLease({ name, owner: b, now: T0 + 999, ttlMs: 1000 })).toBe(false);
      // a crashed: its lease expires, and b takes it over.
      expect(await store.acquireLease({ name, owner: b, now: T0 + 1000, ttlMs: 1000 })).toBe(true);
      await store.releaseLease(name, a); // a waking up late must not free b's lease
      expect(await store.acquireLease({ name, owner: c, now: T0 + 1500, ttlMs: 1000 })).toBe(false);
      await store.releaseLease(name, b);
      expect(await store.acquireLease({ name, owner: c, now: T0 + 1500, ttlMs: 1000 })).toBe(true);
      // Names are independent.
      expect(await store.acquireLease({ name: `${name}-other`, owner: a, now: T0 + 1500, ttlMs: 1000 })).toBe(true);
    });

    it('10 concurrent acquires of one free lease, then 10 takeovers of it expired: one owner wins each time', async () => {
      const name = `phone-bind:${newId()}`;
      const owners = Array.from({ length: 10 }, () => newId());
      const free = await Promise.all(owners.map((owner) => store.acquireLease({ name, owner, now: T0, ttlMs: 1000 })));
      expect(free.filter(Boolean)).toHaveLength(1);
      const expired = await Promise.all(owners.map((owner) => store.acquireLease({ name, owner, now: T0 + 5000, ttlMs: 1000 })));
      expect(expired.filter(Boolean)).toHaveLength(1);
    });

    it('the sweep deletes expired leases and keeps held ones', async () => {
      const [gone, held] = [`sweep-${newId()}`, `sweep-${newId()}`];
      await store.acquireLease({ name: gone, owner: newId(), now: T0 - 2000, ttlMs: 1000 });
      await store.acquireLease({ name: held, owner: newId(), now: T0, ttlMs: 1000 });
      // Retention so long that only the leases can be old enough to go.
      await store.sweep(T0, { familiesMs: 1000 * DAY, statsMs: 1000 * DAY });
      // Deleted, so even a time before its expiry finds it free.
      expect(await store.acquireLease({ name: gone, owner: newId(), now: T0 - 3000, ttlMs: 1000 })).toBe(true);
      expect(await store.acquireLease({ name: held, owner: newId(), now: T0, ttlMs: 1000 })).toBe(false);
    });
  });

  describe(`${db.tag} completeLogin`, () => {
    it('creates the user on first login and finds it on the next', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const first = await login(store, { appid, openid });
      expect(first.isNew).toBe(true);
      expect(first.familyCreated).toBe(true);
      expect(first.user).toMatchObject({ id: first.input.newUserId, appid, openid, status: 'active', unionid: null });
      expect(await store.getLoginCode(first.input.codeHash)).toMatchObject({
        state: 'done',
        userId: first.user.id,
        familyId: first.input.family.id,
      });
      expect(await store.getSessionKeySealed(appid, openid)).toBe(first.input.sessionKeySealed);
      expect(await store.getFamily(first.input.family.id)).toMatchObject({ userId: first.user.id, generation: 0 });

      const second = await login(store, { appid, openid, now: T0 + 1000 });
      expect(second.isNew).toBe(false);
      expect(second.user.id).toBe(first.user.id);
      expect(second.user.lastLoginAt).toBe(T0 + 1000);
      expect(await store.getSessionKeySealed(appid, openid)).toBe(second.input.sessionKeySealed);
      expect(await store.getUserByOpenid(appid, openid)).toEqual(second.user);
    });

    it('concurrent first logins of one openid make one user', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const results = await Promise.all(Array.from({ length: 5 }, () => login(store, { appid, openid })));
      expect(new Set(results.map((r) => r.user.id)).size).toBe(1);
      expect(results.filter((r) => r.isNew)).toHaveLength(1);
    });

    it('unionid: set when first returned, kept when absent, overwritten with an audit event', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const u1 = `u${hex(12)}`;
      const u2 = `u${hex(12)}`;
      const { user } = await login(store, { appid, openid, unionid: u1 });
      expect(user.unionid).toBe(u1);
      expect((await login(store, { appid, openid, unionid: null })).user.unionid).toBe(u1);
      expect((await store.listAudit({ userId: user.id, limit: 10 })).items).toEqual([]);

      const changed = await login(store, { appid, openid, unionid: u2, now: T0 + 5 });
      expect(changed.user.unionid).toBe(u2);
      expect((await store.getUser(user.id))?.unionid).toBe(u2);
      const events = (await store.listAudit({ userId: user.id, limit: 10 })).items;
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ id: changed.input.auditId, action: 'user.unionid_changed', appid });
      expect(JSON.parse(events[0]!.detailJson!)).toEqual({ from: u1, to: u2 });
    });

    it('a unionid still held by a stale row of the same app moves to the openid WeChat gives it now', async () => {
      const appid = newAppid();
      const unionid = `u${hex(12)}`;
      const stale = await login(store, { appid, openid: newOpenid(), unionid });
      const fresh = await login(store, { appid, openid: newOpenid(), unionid });
      expect(fresh.isNew).toBe(true);
      expect(fresh.user.unionid).toBe(unionid);
      expect((await store.getUser(stale.user.id))?.unionid).toBeNull();
    });

    it('two openids of one app logging in at once with one unionid: both succeed, one ends up holding it', async () => {
      const appid = newAppid();
      const unionid = `u${hex(12)}`;
      const [a, b] = await Promise.all([
        login(store, { appid, openid: newOpenid(), unionid }),
        login(store, { appid, openid: newOpenid(), unionid }),
      ]);
      const holders = [await store.getUser(a.user.id), await store.getUser(b.user.id)].filter((u) => u?.unionid);
      expect(holders).toHaveLength(1);
    });

    it('NULL unionids and phones never collide within an app', async () => {
      const appid = newAppid();
      const a = await login(store, { appid, openid: newOpenid() });
      const b = await login(store, { appid, openid: newOpenid() });
      expect(a.user.id).not.toBe(b.user.id);
      await store.setPhone(a.user.id, null, T0);
      await store.setPhone(b.user.id, null, T0);
      expect((await store.getUser(b.user.id))?.phoneE164).toBeNull();
    });

    it('openids differing only by case are two users (ascii_bin on MariaDB)', async () => {
      const appid = newAppid();
      const upper = await login(store, { appid, openid: 'oAbcDEF' });
      const lower = await login(store, { appid, openid: 'oabcdef' });
      expect(upper.isNew && lower.isNew).toBe(true);
      expect(upper.user.id).not.toBe(lower.user.id);
      expect((await store.getUserByOpenid(appid, 'oabcdef'))?.id).toBe(lower.user.id);
      expect(await store.getUserByOpenid(appid, 'OABCDEF')).toBeUndefined();
    });

    it('a disabled user gets no family; the code stays pending; the session_key is stored', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const { user } = await login(store, { appid, openid });
      await store.setUserStatus(user.id, 'disabled', 'abuse', T0 + 1);
      const again = await login(store, { appid, openid, now: T0 + 2 });
      expect(again.familyCreated).toBe(false);
      expect(again.user.status).toBe('disabled');
      expect(await store.getFamily(again.input.family.id)).toBeUndefined();
      expect((await store.getLoginCode(again.input.codeHash))?.state).toBe('pending');
      expect(await store.getSessionKeySealed(appid, openid)).toBe(again.input.sessionKeySealed);
    });

    it('times and counts come back as numbers (int8 parsed), exactly', async () => {
      const appid = newAppid();
      const now = 8_000_000_000_000 + 123; // past 2^32 ms and any int4
      const { user, input } = await login(store, { appid, openid: newOpenid(), now });
      const row = await store.getUser(user.id);
      expect(row?.createdAt).toBe(now);
      expect(typeof row?.createdAt).toBe('number');
      const family = await store.getFamily(input.family.id);
      expect(family?.absoluteExpiresAt).toBe(now + ABSOLUTE_TTL);
      expect(typeof family?.generation).toBe('number');
    });
  });

  describe(`${db.tag} rotateFamily`, () => {
    const rotate = (familyId: string, generation: number, now: number, graceMs = 2000) =>
      store.rotateFamily({
        familyId,
        generation,
        clock: () => now,
        graceMs,
        refreshTtlMs: TTL,
        reuseAudit: audit('refresh.reuse_detected', { userId: null }),
      });

    async function newFamily(now = T0) {
      const { input, user } = await login(store, { appid: newAppid(), openid: newOpenid(), now });
      return { id: input.family.id, user };
    }

    it('current generation rotates: generation + 1, sliding expiry capped by the absolute one', async () => {
      const f = await newFamily();
      const r = await rotate(f.id, 0, T0 + 10);
      expect(r.kind).toBe('rotated');
      if (r.kind !== 'rotated') return;
      expect(r.family).toMatchObject({
        generation: 1,
        rotatedAt: T0 + 10,
        lastUsedAt: T0 + 10,
        expiresAt: T0 + 10 + TTL,
      });
      expect(await store.getFamily(f.id)).toEqual(r.family);

      // Kept alive by a rotation every 20 days, it still ends at the absolute expiry.
      let last: RotateResult = r;
      for (let generation = 1; generation <= 4; generation++) {
        last = await rotate(f.id, generation, T0 + generation * 20 * DAY);
      }
      expect(last.kind === 'rotated' && last.family.expiresAt).toBe(T0 + ABSOLUTE_TTL);
      expect(await rotate(f.id, 5, T0 + ABSOLUTE_TTL)).toEqual({ kind: 'expired' });
    });

    it('the direct predecessor within grace gets the same successor; nothing is written', async () => {
      const f = await newFamily();
      await rotate(f.id, 0, T0 + 10);
      const before = await store.getFamily(f.id);
      const r = await rotate(f.id, 0, T0 + 10 + 2000);
      expect(r).toEqual({ kind: 'grace', family: before });
      expect(await store.getFamily(f.id)).toEqual(before);
    });

    it('an older generation (or the predecessor after grace) is reuse: family revoked and audited', async () => {
      const f = await newFamily();
      await rotate(f.id, 0, T0 + 10);
      const auditRow = audit('refresh.reuse_detected');
      const r = await store.rotateFamily({
        familyId: f.id,
        generation: 0,
        clock: () => T0 + 10 + 2001,
        graceMs: 2000,
        refreshTtlMs: TTL,
        reuseAudit: auditRow,
      });
      expect(r.kind).toBe('reused');
      expect(await store.getFamily(f.id)).toMatchObject({ revokedAt: T0 + 10 + 2001, revokedReason: 'reuse' });
      // The caller cannot know whose family it is: the store names the family's app and user in the audit row.
      expect((await store.listAudit({ userId: f.user.id, limit: 5 })).items).toEqual([
        { ...auditRow, at: T0 + 10 + 2001, appid: f.user.appid, userId: f.user.id },
      ]);
      // Afterwards every presentation, even the current one, finds the family ended.
      expect(await rotate(f.id, 1, T0 + 20_000)).toEqual({ kind: 'expired' });
    });

    it('generations two back are reuse even within the grace window', async () => {
      const f = await newFamily();
      await rotate(f.id, 0, T0 + 1);
      await rotate(f.id, 1, T0 + 2);
      expect((await rotate(f.id, 0, T0 + 3)).kind).toBe('reused');
    });

    it('expired, past absolute expiry, revoked, future generation and unknown', async () => {
      const f = await newFamily();
      expect(await rotate(f.id, 0, T0 + TTL)).toEqual({ kind: 'expired' });
      const g = await newFamily();
      expect(await rotate(g.id, 5, T0 + 1)).toEqual({ kind: 'expired' });
      expect(await store.revokeFamily(g.id, 'logout', T0 + 2)).toBe(true);
      expect(await store.revokeFamily(g.id, 'logout', T0 + 3)).toBe(false);
      expect(await rotate(g.id, 0, T0 + 4)).toEqual({ kind: 'expired' });
      expect(await rotate(newId(), 0, T0)).toEqual({ kind: 'not_found' });
    });

    it('two concurrent refreshes of one token: one rotates, the other gets grace', async () => {
      for (let round = 0; round < 5; round++) {
        const f = await newFamily();
        const results = await Promise.all([rotate(f.id, 0, T0 + 100), rotate(f.id, 0, T0 + 100)]);
        expect(results.map((r) => r.kind).sort()).toEqual(['grace', 'rotated']);
        expect((await store.getFamily(f.id))?.generation).toBe(1);
      }
    });

    it('a rotation stamps rotatedAt with the clock read inside its transaction, and grace runs from there', async () => {
      const f = await newFamily();
      // The caller began at T0; the statement ran 30 s later (a wait for the database).
      let reads = 0;
      const statementAt = T0 + 30_000;
      const r = await store.rotateFamily({
        familyId: f.id,
        generation: 0,
        clock: () => (reads++, statementAt),
        graceMs: 10_000,
        refreshTtlMs: TTL,
        reuseAudit: audit('refresh.reuse_detected'),
      });
      expect(reads).toBeGreaterThan(0);
      expect(r).toMatchObject({ kind: 'rotated', family: { rotatedAt: statementAt, lastUsedAt: statementAt } });
      expect((await store.getFamily(f.id))?.rotatedAt).toBe(statementAt);
      expect((await rotate(f.id, 0, statementAt + 10_000, 10_000)).kind).toBe('grace');
      expect((await rotate(f.id, 0, statementAt + 10_001, 10_000)).kind).toBe('reused');
    });

    it('revokeUserFamilies revokes every live family and counts them', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const a = await login(store, { appid, openid });
      await login(store, { appid, openid });
      await store.revokeFamily(a.input.family.id, 'logout', T0);
      expect(await store.revokeUserFamilies(a.user.id, 'admin', T0 + 1)).toBe(1);
      expect(await store.revokeUserFamilies(a.user.id, 'admin', T0 + 2)).toBe(0);
      const families = await store.listUserFamilies(a.user.id);
      expect(families.map((f) => f.revokedReason).sort()).toEqual(['admin', 'logout']);
    });
  });

  describe(`${db.tag} users`, () => {
    it('updateProfile changes only the given fields', async () => {
      const { user } = await login(store, { appid: newAppid(), openid: newOpenid() });
      await store.updateProfile(user.id, { nickname: '小明 🐱', avatarUrl: 'https://example.com/a.png' }, T0 + 1);
      const row = await store.updateProfile(user.id, { nickname: null }, T0 + 2);
      expect(row).toMatchObject({ nickname: null, avatarUrl: 'https://example.com/a.png', updatedAt: T0 + 2 });
      expect(await store.updateProfile(newId(), { nickname: 'x' }, T0)).toBeUndefined();
    });

    it('a phone bound to another user of the app is a typed UniqueViolationError; other apps share it', async () => {
      const appid = newAppid();
      const phone = `+86138${String(Date.now()).slice(-8)}`;
      const a = await login(store, { appid, openid: newOpenid() });
      const b = await login(store, { appid, openid: newOpenid() });
      const other = await login(store, { appid: newAppid(), openid: newOpenid() });
      expect((await store.setPhone(a.user.id, phone, T0 + 1))?.phoneE164).toBe(phone);
      const err = await store.setPhone(b.user.id, phone, T0 + 2).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UniqueViolationError);
      expect((err as UniqueViolationError).column).toBe('phone_e164');
      expect((err as Error).message).not.toContain(phone);
      expect((await store.setPhone(other.user.id, phone, T0 + 3))?.phoneE164).toBe(phone);
      // The store is still usable after the failed statement (PostgreSQL aborts a transaction on an error).
      expect((await store.setPhone(a.user.id, null, T0 + 4))?.phoneE164).toBeNull();
      expect((await store.setPhone(b.user.id, phone, T0 + 5))?.phoneE164).toBe(phone);
    });

    it('two users binding one number at once: one wins, the other gets the typed error', async () => {
      const appid = newAppid();
      const phone = `+86139${String(Date.now()).slice(-8)}`;
      const a = await login(store, { appid, openid: newOpenid() });
      const b = await login(store, { appid, openid: newOpenid() });
      const results = await Promise.allSettled([
        store.setPhone(a.user.id, phone, T0),
        store.setPhone(b.user.id, phone, T0),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected');
      expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(UniqueViolationError);
    });

    it('movePhone takes the number from its holder in one transaction, audited on the holder', async () => {
      const appid = newAppid();
      const phone = `+86137${String(Date.now()).slice(-8)}`;
      const a = await login(store, { appid, openid: newOpenid() });
      const b = await login(store, { appid, openid: newOpenid() });
      const other = await login(store, { appid: newAppid(), openid: newOpenid() });
      await store.setPhone(a.user.id, phone, T0);
      await store.setPhone(other.user.id, phone, T0);
      const { userId: _none, ...moved } = audit('phone.moved', { appid, at: T0 + 1, detailJson: '{"last4":"0000"}' });
      const result = await store.movePhone({ userId: b.user.id, phoneE164: phone, now: T0 + 1, audit: moved });
      expect(result.fromUserId).toBe(a.user.id);
      expect(result.user).toMatchObject({ id: b.user.id, phoneE164: phone, updatedAt: T0 + 1 });
      expect(await store.getUser(a.user.id)).toMatchObject({ phoneE164: null, updatedAt: T0 + 1 });
      expect((await store.getUser(other.user.id))?.phoneE164).toBe(phone); // another app keeps its own
      expect((await store.listAudit({ userId: a.user.id, limit: 5 })).items).toEqual([{ ...moved, userId: a.user.id }]);

      // Nobody else holds it: a plain bind, no audit. Unknown user: nothing written.
      const fresh = `+86136${String(Date.now()).slice(-8)}`;
      const { userId: _x, ...unused } = audit('phone.moved', { appid });
      expect(await store.movePhone({ userId: a.user.id, phoneE164: fresh, now: T0 + 2, audit: unused })).toMatchObject({
        fromUserId: null,
        user: { id: a.user.id, phoneE164: fresh },
      });
      expect(await store.movePhone({ userId: newId(), phoneE164: phone, now: T0 + 3, audit: unused })).toEqual({ user: undefined, fromUserId: null });
      expect((await store.listAudit({ userId: a.user.id, limit: 5 })).items).toHaveLength(1);
      expect((await store.getUser(b.user.id))?.phoneE164).toBe(phone);
    });

    it('two users moving one held number at once: both succeed in turn, exactly one holds it, each move audited', async () => {
      const appid = newAppid();
      const phone = `+86135${String(Date.now()).slice(-8)}`;
      const holder = await login(store, { appid, openid: newOpenid() });
      const takers = [await login(store, { appid, openid: newOpenid() }), await login(store, { appid, openid: newOpenid() })];
      await store.setPhone(holder.user.id, phone, T0);
      const results = await Promise.all(
        takers.map(({ user }) => {
          const { userId: _u, ...event } = audit('phone.moved', { appid, detailJson: JSON.stringify({ to: user.id }) });
          return store.movePhone({ userId: user.id, phoneE164: phone, now: T0 + 1, audit: event });
        }),
      );
      const withPhone = (await Promise.all([holder, ...takers].map(({ user }) => store.getUser(user.id)))).filter((u) => u?.phoneE164 === phone);
      expect(withPhone).toHaveLength(1);
      const last = results.find((r) => r.user?.id === withPhone[0]!.id)!;
      const first = results.find((r) => r !== last)!;
      expect(first.fromUserId).toBe(holder.user.id);
      expect(last.fromUserId).toBe(first.user!.id);
    });

    it('countAuditEvents counts one action of one user since a time (inclusive) and names the earliest', async () => {
      const userId = newId();
      for (const at of [T0, T0 + 10, T0 + 20]) await store.insertAudit(audit('phone.bound', { userId, at }));
      await store.insertAudit(audit('phone.moved', { userId, at: T0 + 30 }));
      await store.insertAudit(audit('phone.bound', { userId: newId(), at: T0 + 30 }));
      expect(await store.countAuditEvents({ userId, action: 'phone.bound', since: T0 + 10 })).toEqual({ count: 2, firstAt: T0 + 10 });
      expect(await store.countAuditEvents({ userId, action: 'phone.bound', since: T0 - DAY })).toEqual({ count: 3, firstAt: T0 });
      expect(await store.countAuditEvents({ userId, action: 'phone.bound', since: T0 + 21 })).toEqual({ count: 0, firstAt: null });
    });

    it('disable revokes the live families; enable clears the reason', async () => {
      const { user, input } = await login(store, { appid: newAppid(), openid: newOpenid() });
      const disabled = await store.setUserStatus(user.id, 'disabled', 'fraud', T0 + 1);
      expect(disabled).toMatchObject({ status: 'disabled', disabledReason: 'fraud', updatedAt: T0 + 1 });
      expect(await store.getFamily(input.family.id)).toMatchObject({ revokedAt: T0 + 1, revokedReason: 'disabled' });
      expect(await store.setUserStatus(user.id, 'active', 'ignored', T0 + 2)).toMatchObject({
        status: 'active',
        disabledReason: null,
      });
      expect(await store.setUserStatus(newId(), 'disabled', 'x', T0)).toBeUndefined();
    });

    it('deleteUser removes the row and session_key, revokes families, writes the audit event', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const { user, input } = await login(store, { appid, openid });
      const event = audit('user.deleted', { appid, userId: user.id, at: T0 + 9, detailJson: '{"openidHash":"x"}' });
      expect(await store.deleteUser(user.id, event)).toBe(true);
      expect(await store.getUser(user.id)).toBeUndefined();
      expect(await store.getUserByOpenid(appid, openid)).toBeUndefined();
      expect(await store.getSessionKeySealed(appid, openid)).toBeUndefined();
      expect(await store.getFamily(input.family.id)).toMatchObject({
        revokedReason: 'user_deleted',
        revokedAt: T0 + 9,
      });
      expect((await store.listAudit({ userId: user.id, limit: 5 })).items).toEqual([event]);
      expect(await store.deleteUser(user.id, audit('user.deleted'))).toBe(false);
      // Logging in again makes a new user: ids are never reused.
      expect((await login(store, { appid, openid })).isNew).toBe(true);
    });

    it('searchUsers matches id, openid, unionid or phone exactly, never a substring', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const unionid = `u${hex(12)}`;
      const phone = `+86137${String(Date.now()).slice(-8)}`;
      const { user } = await login(store, { appid, openid, unionid });
      await store.setPhone(user.id, phone, T0);
      for (const q of [user.id, openid, unionid, phone, ` ${openid} `]) {
        expect((await store.searchUsers({ q, limit: 10 })).items.map((u) => u.id), q).toEqual([user.id]);
      }
      for (const q of [openid.slice(0, -1), openid.slice(1), phone.slice(3), unionid.toUpperCase(), '%', '开']) {
        expect((await store.searchUsers({ q, limit: 10 })).items, q).toEqual([]);
      }
      // One unionid across apps: every app's user.
      const linked = await login(store, { appid: newAppid(), openid: newOpenid(), unionid });
      const found = await store.searchUsers({ q: unionid, limit: 10 });
      expect(found.items.map((u) => u.id).sort()).toEqual([user.id, linked.user.id].sort());
    });

    it('searchUsers pages by id, newest first, with a cursor', async () => {
      const unionid = `u${hex(12)}`;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await login(store, { appid: newAppid(), openid: newOpenid(), unionid })).user.id);
      }
      const expected = [...ids].sort().reverse();
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pageNo = 0; pageNo < 10; pageNo++) {
        const p = await store.searchUsers({ q: unionid, limit: 2, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...p.items.map((u) => u.id));
        if (p.nextCursor === null) break;
        cursor = p.nextCursor;
      }
      expect(seen).toEqual(expected);

      const all = await store.searchUsers({ limit: 3 });
      expect(all.items).toHaveLength(3);
      const next = await store.searchUsers({ limit: 3, cursor: all.nextCursor! });
      expect(next.items[0]!.id < all.items[2]!.id).toBe(true);
    });

    it('linkedAccounts: other apps, same unionid', async () => {
      const unionid = `u${hex(12)}`;
      const a = await login(store, { appid: newAppid(), openid: newOpenid(), unionid });
      const b = await login(store, { appid: newAppid(), openid: newOpenid(), unionid });
      await login(store, { appid: newAppid(), openid: newOpenid(), unionid: `u${hex(12)}` });
      expect((await store.linkedAccounts(a.user)).map((u) => u.id)).toEqual([b.user.id]);
      const lone = await login(store, { appid: newAppid(), openid: newOpenid() });
      expect(await store.linkedAccounts(lone.user)).toEqual([]);
    });
  });

  describe(`${db.tag} signing keys, audit, locks`, () => {
    it('signing keys are listed oldest first and retired once', async () => {
      const kid = `k${hex(8)}`;
      await store.insertSigningKey({
        kid,
        alg: 'ES256',
        privateJwkSealed: `v1.abcdef01.${hex(12)}.${hex(200)}`,
        publicJwk: '{"kty":"EC"}',
        createdAt: T0,
        retiredAt: null,
      });
      await store.retireSigningKey(kid, T0 + 5);
      await store.retireSigningKey(kid, T0 + 9);
      const key = (await store.listSigningKeys()).find((k) => k.kid === kid);
      expect(key).toMatchObject({ alg: 'ES256', createdAt: T0, retiredAt: T0 + 5 });
    });

    it('listAudit pages newest first', async () => {
      const userId = newId();
      const events = Array.from({ length: 5 }, () => audit('admin.test', { userId }));
      for (const e of events) await store.insertAudit(e);
      const first = await store.listAudit({ userId, limit: 3 });
      const second = await store.listAudit({ userId, limit: 3, cursor: first.nextCursor! });
      expect([...first.items, ...second.items].map((e) => e.id)).toEqual(events.map((e) => e.id).sort().reverse());
      expect(second.nextCursor).toBeNull();
    });

    it('withLock excludes a second holder of the same name, also from another store', async () => {
      const other = await t.open();
      const order: string[] = [];
      const hold = (s: Store, who: string) =>
        s.withLock('store-test-lock', async () => {
          order.push(`${who}+`);
          await new Promise((resolve) => setTimeout(resolve, 50));
          order.push(`${who}-`);
        });
      await Promise.all([hold(store, 'a'), hold(other, 'b'), hold(store, 'c')]);
      for (let i = 0; i < order.length; i += 2) expect(order[i]!.slice(0, 1)).toBe(order[i + 1]!.slice(0, 1));
      expect(await store.withLock('store-test-lock-2', () => Promise.resolve(42))).toBe(42);
      await expect(store.withLock('store-test-lock', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await other.withLock('store-test-lock', () => Promise.resolve('free again'))).toBe('free again');
    });
  });

  describe(`${db.tag} stats and sweep`, () => {
    it('addLoginStats adds to existing counts; loginStats sums instances', async () => {
      const appid = newAppid();
      const m = T0 - (T0 % MINUTE);
      await store.addLoginStats([
        { appid, minute: m, outcome: 'success', instance: 'i1', count: 3 },
        { appid, minute: m, outcome: 'success', instance: 'i1', count: 2 },
        { appid, minute: m, outcome: 'success', instance: 'i2', count: 4 },
        { appid, minute: m + MINUTE, outcome: 'INVALID_CODE', instance: 'i1', count: 1 },
        { appid, minute: m + MINUTE, outcome: 'success', instance: 'i1', count: 0 },
      ]);
      await store.addLoginStats([{ appid, minute: m, outcome: 'success', instance: 'i2', count: 10 }]);
      expect(await store.loginStats({ since: m, appid })).toEqual([
        { appid, minute: m, outcome: 'success', count: 19 },
        { appid, minute: m + MINUTE, outcome: 'INVALID_CODE', count: 1 },
      ]);
      expect(await store.loginStats({ since: m + MINUTE, appid })).toEqual([
        { appid, minute: m + MINUTE, outcome: 'INVALID_CODE', count: 1 },
      ]);
      const all = await store.loginStats({ since: m });
      expect(all.filter((r) => r.appid === appid)).toHaveLength(2);
      expect(typeof all[0]?.count).toBe('number');
    });

    it('sweep deletes expired codes, long-dead families and old stats, and nothing alive', async () => {
      const now = T0 + 365 * DAY;
      const appid = newAppid();
      const old = await login(store, { appid, openid: newOpenid(), now: now - 40 * DAY });
      const revokedLongAgo = await login(store, { appid, openid: newOpenid(), now: now - 10 * DAY });
      await store.revokeFamily(revokedLongAgo.input.family.id, 'logout', now - 8 * DAY);
      const revokedRecently = await login(store, { appid, openid: newOpenid(), now: now - 10 * DAY });
      await store.revokeFamily(revokedRecently.input.family.id, 'logout', now - DAY);
      const alive = await login(store, { appid, openid: newOpenid(), now });
      const liveCode = hex();
      await store.claimLoginCode({ codeHash: liveCode, appid, nonceHash: null, createdAt: now, expiresAt: now + 1 });
      await store.addLoginStats([
        { appid, minute: now - 31 * DAY, outcome: 'success', instance: 'i', count: 1 },
        { appid, minute: now - DAY, outcome: 'success', instance: 'i', count: 1 },
      ]);

      const counts = await store.sweep(now);
      // Earlier tests left rows too: everything they made is older than `now`, so assert lower bounds here and
      // exact survival below.
      expect(counts.loginCodes).toBeGreaterThanOrEqual(4);
      expect(counts.families).toBeGreaterThanOrEqual(2);
      expect(counts.stats).toBeGreaterThanOrEqual(1);
      expect(await store.getFamily(old.input.family.id)).toBeUndefined();
      expect(await store.getFamily(revokedLongAgo.input.family.id)).toBeUndefined();
      expect(await store.getFamily(revokedRecently.input.family.id)).toBeDefined();
      expect(await store.getFamily(alive.input.family.id)).toBeDefined();
      expect(await store.getLoginCode(old.input.codeHash)).toBeUndefined();
      expect(await store.getLoginCode(alive.input.codeHash)).toBeDefined();
      expect(await store.getLoginCode(liveCode)).toBeDefined();
      expect(await store.loginStats({ since: 0, appid })).toEqual([
        { appid, minute: now - DAY, outcome: 'success', count: 1 },
      ]);
      expect(await store.sweep(now)).toEqual({ loginCodes: 0, families: 0, stats: 0 });
    });
  });
});
