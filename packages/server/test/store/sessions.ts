import { beforeAll, describe, expect, it } from 'vitest';
import type { RotateResult, Store } from '../../src/store/index.js';
import { T0, DAY, TTL, ABSOLUTE_TTL, newId, newAppid, newOpenid, audit, login } from './fixtures.js';
import type { StoreSuite } from './store-suite.js';

/** Sessions: rotation, grace, reuse, expiry, revocation. */
export function sessionTests(suite: StoreSuite): void {
  const { db } = suite;
  describe(`${db.tag} rotateSession`, () => {
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    const rotate = (sessionId: string, generation: number, now: number, graceMs = 2000) =>
      store.rotateSession({
        sessionId,
        generation,
        clock: () => now,
        graceMs,
        refreshTtlMs: TTL,
        reuseAudit: audit('refresh.reuse_detected', { userId: null }),
      });

    async function newSession(now = T0) {
      const { input, user } = await login(store, { appid: newAppid(), openid: newOpenid(), now });
      return { id: input.session.id, user };
    }

    it('current generation rotates: generation + 1, sliding expiry capped by the absolute one', async () => {
      const f = await newSession();
      const r = await rotate(f.id, 0, T0 + 10);
      expect(r.kind).toBe('rotated');
      if (r.kind !== 'rotated') return;
      expect(r.session).toMatchObject({
        generation: 1,
        rotatedAt: T0 + 10,
        lastUsedAt: T0 + 10,
        expiresAt: T0 + 10 + TTL,
      });
      expect(await store.getSession(f.id)).toEqual(r.session);

      // Kept alive by a rotation every 20 days, it still ends at the absolute expiry.
      let last: RotateResult = r;
      for (let generation = 1; generation <= 4; generation++) {
        last = await rotate(f.id, generation, T0 + generation * 20 * DAY);
      }
      expect(last.kind === 'rotated' && last.session.expiresAt).toBe(T0 + ABSOLUTE_TTL);
      expect(await rotate(f.id, 5, T0 + ABSOLUTE_TTL)).toEqual({ kind: 'expired' });
    });

    it('the direct predecessor within grace gets the same successor; nothing is written', async () => {
      const f = await newSession();
      await rotate(f.id, 0, T0 + 10);
      const before = await store.getSession(f.id);
      const r = await rotate(f.id, 0, T0 + 10 + 2000);
      expect(r).toEqual({ kind: 'grace', session: before });
      expect(await store.getSession(f.id)).toEqual(before);
    });

    it('an older generation (or the predecessor after grace) is reuse: session revoked and audited', async () => {
      const f = await newSession();
      await rotate(f.id, 0, T0 + 10);
      const auditRow = audit('refresh.reuse_detected');
      const r = await store.rotateSession({
        sessionId: f.id,
        generation: 0,
        clock: () => T0 + 10 + 2001,
        graceMs: 2000,
        refreshTtlMs: TTL,
        reuseAudit: auditRow,
      });
      expect(r.kind).toBe('reused');
      expect(await store.getSession(f.id)).toMatchObject({ revokedAt: T0 + 10 + 2001, revokedReason: 'reuse' });
      // The caller cannot know whose session it is: the store names the session's app and user in the audit row.
      expect((await store.listAudit({ userId: f.user.id, limit: 5 })).items).toEqual([
        { ...auditRow, at: T0 + 10 + 2001, appid: f.user.appid, userId: f.user.id },
      ]);
      // Afterwards every presentation, even the current one, finds the session ended.
      expect(await rotate(f.id, 1, T0 + 20_000)).toEqual({ kind: 'expired' });
    });

    it('generations two back are reuse even within the grace window', async () => {
      const f = await newSession();
      await rotate(f.id, 0, T0 + 1);
      await rotate(f.id, 1, T0 + 2);
      expect((await rotate(f.id, 0, T0 + 3)).kind).toBe('reused');
    });

    it('expired, past absolute expiry, revoked, future generation and unknown', async () => {
      const f = await newSession();
      expect(await rotate(f.id, 0, T0 + TTL)).toEqual({ kind: 'expired' });
      const g = await newSession();
      expect(await rotate(g.id, 5, T0 + 1)).toEqual({ kind: 'expired' });
      expect(await store.revokeSession(g.id, 'logout', T0 + 2)).toBe(true);
      expect(await store.revokeSession(g.id, 'logout', T0 + 3)).toBe(false);
      expect(await rotate(g.id, 0, T0 + 4)).toEqual({ kind: 'expired' });
      expect(await rotate(newId(), 0, T0)).toEqual({ kind: 'not_found' });
    });

    it('two concurrent refreshes of one token: one rotates, the other gets grace', async () => {
      for (let round = 0; round < 5; round++) {
        const f = await newSession();
        const results = await Promise.all([rotate(f.id, 0, T0 + 100), rotate(f.id, 0, T0 + 100)]);
        expect(results.map((r) => r.kind).sort()).toEqual(['grace', 'rotated']);
        expect((await store.getSession(f.id))?.generation).toBe(1);
      }
    });

    it('a rotation stamps rotatedAt with the clock read inside its transaction, and grace runs from there', async () => {
      const f = await newSession();
      // The caller began at T0; the statement ran 30 s later (a wait for the database).
      let reads = 0;
      const statementAt = T0 + 30_000;
      const r = await store.rotateSession({
        sessionId: f.id,
        generation: 0,
        clock: () => (reads++, statementAt),
        graceMs: 10_000,
        refreshTtlMs: TTL,
        reuseAudit: audit('refresh.reuse_detected'),
      });
      expect(reads).toBeGreaterThan(0);
      expect(r).toMatchObject({ kind: 'rotated', session: { rotatedAt: statementAt, lastUsedAt: statementAt } });
      expect((await store.getSession(f.id))?.rotatedAt).toBe(statementAt);
      expect((await rotate(f.id, 0, statementAt + 10_000, 10_000)).kind).toBe('grace');
      expect((await rotate(f.id, 0, statementAt + 10_001, 10_000)).kind).toBe('reused');
    });

    it('revokeUserSessions revokes every live session and counts them', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const a = await login(store, { appid, openid });
      await login(store, { appid, openid });
      await store.revokeSession(a.input.session.id, 'logout', T0);
      expect(await store.revokeUserSessions(a.user.id, 'admin', T0 + 1)).toBe(1);
      expect(await store.revokeUserSessions(a.user.id, 'admin', T0 + 2)).toBe(0);
      const sessions = await store.listUserSessions(a.user.id);
      expect(sessions.map((f) => f.revokedReason).sort()).toEqual(['admin', 'logout']);
    });
  });
}
