import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { allMigrations } from '../../src/store/migrations/index.js';
import type { TestStore } from '../helpers/databases.js';
import { T0, MINUTE, newId, hex, newAppid, newOpenid, login } from './fixtures.js';
import type { StoreSuite } from './store-suite.js';

/** Migrations: idempotent, re-run when unrecorded, concurrent on an empty database. */
export function migrationTests(suite: StoreSuite): void {
  const { db } = suite;
  describe(`${db.tag} migrations`, () => {
    let store: Store;
    let t: TestStore;
    beforeAll(() => {
      store = suite.store;
      t = suite.testStore;
    });

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
      // With every later one: Kysely only accepts unrecorded migrations at the end of the list.
      await t.exec(`delete from kysely_migration where name >= '0015'`);
      await store.migrate();
      const names = ((await t.exec('select name from kysely_migration')) as { name: string }[]).map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['0015_leases', '0016_login_codes_claimed_at']));
      expect(names).toHaveLength(allMigrations(store.dialect).length);
      expect(await store.acquireLease({ name: `migrated-${hex(4)}`, owner: newId(), now: T0, ttlMs: MINUTE })).toBe(
        true,
      );
    });

    it('login_codes.errcode becomes failure_json with its rows kept, and the rename re-runs cleanly when unrecorded', async () => {
      const before = await suite.open();
      try {
        // The database as it was before the rename, holding a failed code.
        await before.exec('alter table login_codes rename column failure_json to errcode');
        await before.exec(`delete from kysely_migration where name >= '0017'`);
        const codeHash = hex();
        await before.exec(
          `insert into login_codes (code_hash, appid, state, nonce_hash, errcode, created_at, claimed_at, expires_at)
           values ('${codeHash}', '${newAppid()}', 'failed', null, '{"code":"INVALID_CODE"}', ${T0}, ${T0}, ${T0 + MINUTE})`,
        );
        await before.store.migrate();
        expect(await before.store.getLoginCode(codeHash)).toMatchObject({
          state: 'failed',
          failureJson: '{"code":"INVALID_CODE"}',
        });
        // Renamed but never recorded (process killed in between): the re-run finds nothing to rename.
        await before.exec(`delete from kysely_migration where name >= '0017'`);
        await before.store.migrate();
        const names = ((await before.exec('select name from kysely_migration')) as { name: string }[]).map(
          (r) => r.name,
        );
        expect(names).toContain('0017_login_codes_failure_json');
        expect(await before.store.getLoginCode(codeHash)).toMatchObject({ failureJson: '{"code":"INVALID_CODE"}' });
      } finally {
        await before.drop();
      }
    });

    it('migrationStatus reads applied and pending migrations without applying or creating anything', async () => {
      const fresh = await suite.open({ migrate: false });
      try {
        const names = allMigrations(store.dialect).map(([name]) => name);
        expect(await fresh.store.migrationStatus()).toEqual({ applied: [], pending: names });
        // Read-only: not even Kysely's bookkeeping table appears.
        await expect(fresh.exec('select name from kysely_migration')).rejects.toThrow();
        await fresh.store.migrate();
        await fresh.exec(`delete from kysely_migration where name >= '0016'`);
        const status = await fresh.store.migrationStatus();
        expect(status.pending).toEqual(names.filter((name) => name >= '0016'));
        expect(status.applied).toEqual(names.filter((name) => name < '0016'));
        expect(await fresh.exec('select name from kysely_migration')).toHaveLength(status.applied.length);
      } finally {
        await fresh.drop();
      }
    });

    it("databaseTime is the database's clock, epoch ms", async () => {
      const before = Date.now();
      const time = await store.databaseTime();
      const after = Date.now();
      // The database runs on this machine (or one synced with it) in the suites: within a second either way.
      expect(time).toBeGreaterThan(before - 1000);
      expect(time).toBeLessThan(after + 1000);
    });

    it('three stores migrating one empty database at once all succeed, each migration applied once', async () => {
      const fresh = await suite.open({ migrate: false });
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
}
