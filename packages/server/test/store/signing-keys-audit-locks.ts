import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import type { TestStore } from '../helpers/databases.js';
import { T0, newId, hex, audit } from './fixtures.js';
import type { StoreSuite } from './store-suite.js';

/** Signing keys, the audit list and the named lock. */
export function signingKeyAuditLockTests(suite: StoreSuite): void {
  const { db } = suite;
  describe(`${db.tag} signing keys, audit, locks`, () => {
    let store: Store;
    let t: TestStore;
    beforeAll(() => {
      store = suite.store;
      t = suite.testStore;
    });

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
      expect([...first.items, ...second.items].map((e) => e.id)).toEqual(
        events
          .map((e) => e.id)
          .sort()
          .reverse(),
      );
      expect(second.nextCursor).toBeNull();
    });

    it('listAudit filters by action (and user); countAuditEvents counts an action over every user', async () => {
      // An action of this run only: other tests of the suite write audit rows into the same database.
      const action = `admin.test_${newId().slice(-12).replaceAll('-', '')}`;
      const [a, b] = [newId(), newId()];
      const events = [
        audit(action, { userId: a, at: T0 }),
        audit('admin.other', { userId: a, at: T0 + 1 }),
        audit(action, { userId: b, at: T0 + 2 }),
        audit(action, { userId: a, at: T0 + 3 }),
      ];
      for (const e of events) await store.insertAudit(e);
      const ofAction = await store.listAudit({ action, limit: 2 });
      expect(ofAction.items.map((e) => e.id)).toEqual([events[3]!.id, events[2]!.id]);
      const rest = await store.listAudit({ action, limit: 2, cursor: ofAction.nextCursor! });
      expect(rest.items.map((e) => e.id)).toEqual([events[0]!.id]);
      expect(rest.nextCursor).toBeNull();
      expect((await store.listAudit({ action, userId: b, limit: 10 })).items.map((e) => e.id)).toEqual([events[2]!.id]);
      expect(await store.countAuditEvents({ action, since: T0 + 1 })).toEqual({ count: 2, firstAt: T0 + 2 });
      expect(await store.countAuditEvents({ action, since: T0 })).toEqual({ count: 3, firstAt: T0 });
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
}
