import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { T0, DAY, newId } from './fixtures.js';
import type { StoreSuite } from './store-suite.js';

/** Leases: refused while held, taken over once expired, released by the holder only. */
export function leaseTests(suite: StoreSuite): void {
  const { db } = suite;
  describe(`${db.tag} leases`, () => {
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

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
      const expired = await Promise.all(
        owners.map((owner) => store.acquireLease({ name, owner, now: T0 + 5000, ttlMs: 1000 })),
      );
      expect(expired.filter(Boolean)).toHaveLength(1);
    });

    it('the sweep deletes expired leases and keeps held ones', async () => {
      const [gone, held] = [`sweep-${newId()}`, `sweep-${newId()}`];
      await store.acquireLease({ name: gone, owner: newId(), now: T0 - 2000, ttlMs: 1000 });
      await store.acquireLease({ name: held, owner: newId(), now: T0, ttlMs: 1000 });
      // Retention so long that only the leases can be old enough to go.
      await store.sweep(T0, { sessionsMs: 1000 * DAY, statsMs: 1000 * DAY });
      // Deleted, so even a time before its expiry finds it free.
      expect(await store.acquireLease({ name: gone, owner: newId(), now: T0 - 3000, ttlMs: 1000 })).toBe(true);
      expect(await store.acquireLease({ name: held, owner: newId(), now: T0, ttlMs: 1000 })).toBe(false);
    });
  });
}
