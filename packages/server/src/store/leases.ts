import type { LeaseStore } from './port/leases.js';
import type { StoreContext } from './store-context.js';

/** The {@link LeaseStore} on Kysely: rows of `leases`, the same on every database but for insert-if-absent. */
export function leaseStore({ db, dialect }: StoreContext): LeaseStore {
  return {
    async acquireLease(input) {
      const { name, owner, now } = input;
      const lease = { name, owner, expiresAt: now + input.ttlMs };
      if (await dialect.insertIfAbsent(db, 'leases', lease)) return true;
      // Held, or left by a crashed holder: only an expired lease is taken, and of concurrent takers the row lock lets
      // one through (the others' WHERE no longer matches once it moved `expires_at` forward).
      const taken = await db
        .updateTable('leases')
        .set({ owner, expiresAt: lease.expiresAt })
        .where('name', '=', name)
        .where('expiresAt', '<=', now)
        .executeTakeFirst();
      if (taken.numUpdatedRows === 1n) return true;
      // Released between our insert and our update: it is free now, so one more insert decides.
      return dialect.insertIfAbsent(db, 'leases', lease);
    },

    async releaseLease(name, owner) {
      await db.deleteFrom('leases').where('name', '=', name).where('owner', '=', owner).execute();
    },
  };
}
