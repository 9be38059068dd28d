import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { T0, MINUTE, DAY, hex, newAppid, newOpenid, login } from './fixtures.js';
import type { StoreSuite } from './store-suite.js';

/** Login stats and the retention sweep. */
export function statsAndSweepTests(suite: StoreSuite): void {
  const { db } = suite;
  describe(`${db.tag} stats and sweep`, () => {
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

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

    it('sweep deletes expired codes, long-dead sessions and old stats, and nothing alive', async () => {
      const now = T0 + 365 * DAY;
      const appid = newAppid();
      const old = await login(store, { appid, openid: newOpenid(), now: now - 40 * DAY });
      const revokedLongAgo = await login(store, { appid, openid: newOpenid(), now: now - 10 * DAY });
      await store.revokeSession(revokedLongAgo.input.session.id, 'logout', now - 8 * DAY);
      const revokedRecently = await login(store, { appid, openid: newOpenid(), now: now - 10 * DAY });
      await store.revokeSession(revokedRecently.input.session.id, 'logout', now - DAY);
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
      expect(counts.sessions).toBeGreaterThanOrEqual(2);
      expect(counts.stats).toBeGreaterThanOrEqual(1);
      expect(await store.getSession(old.input.session.id)).toBeUndefined();
      expect(await store.getSession(revokedLongAgo.input.session.id)).toBeUndefined();
      expect(await store.getSession(revokedRecently.input.session.id)).toBeDefined();
      expect(await store.getSession(alive.input.session.id)).toBeDefined();
      expect(await store.getLoginCode(old.input.codeHash)).toBeUndefined();
      expect(await store.getLoginCode(alive.input.codeHash)).toBeDefined();
      expect(await store.getLoginCode(liveCode)).toBeDefined();
      expect(await store.loginStats({ since: 0, appid })).toEqual([
        { appid, minute: now - DAY, outcome: 'success', count: 1 },
      ]);
      expect(await store.sweep(now)).toEqual({ loginCodes: 0, sessions: 0, stats: 0 });
    });
  });
}
