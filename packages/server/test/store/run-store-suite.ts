import { afterAll, beforeAll, describe } from 'vitest';
import { createTestStore, databaseAvailable, type TestDatabase, type TestStore } from '../helpers/databases.js';
import { completeLoginTests } from './complete-login.js';
import { leaseTests } from './leases.js';
import { loginCodeTests } from './login-codes.js';
import { migrationTests } from './migrations.js';
import { sessionTests } from './sessions.js';
import { signingKeyAuditLockTests } from './signing-keys-audit-locks.js';
import { statsAndSweepTests } from './stats-and-sweep.js';
import type { OpenTestStore, StoreSuite } from './store-suite.js';
import { userTests } from './users.js';

export type { OpenTestStore, StoreSuite } from './store-suite.js';

/**
 * The one store suite, for one database: every aggregate's tests on one isolated database, under the describe
 * `<tag> store` (CI counts tests per backend by the tag). An unavailable database declares one test saying so,
 * skipped, or failing under `CI=true`. A new database is its `TestDatabase` in `helpers/databases.ts` and a
 * `store.<name>.test.ts` calling this.
 */
export function runStoreSuite(db: TestDatabase, open: OpenTestStore = (options) => createTestStore(db, options)): void {
  describe(`${db.tag} store`, () => {
    if (!databaseAvailable(db)) return;

    let testStore: TestStore | undefined;
    const started = (): TestStore => {
      if (testStore === undefined) throw new Error(`${db.tag} store suite: the database is read before beforeAll ran`);
      return testStore;
    };
    const suite: StoreSuite = {
      db,
      get testStore() {
        return started();
      },
      get store() {
        return started().store;
      },
      open,
    };
    beforeAll(async () => {
      testStore = await open();
    });
    afterAll(async () => {
      await testStore?.drop();
    });

    migrationTests(suite);
    loginCodeTests(suite);
    leaseTests(suite);
    completeLoginTests(suite);
    sessionTests(suite);
    userTests(suite);
    signingKeyAuditLockTests(suite);
    statsAndSweepTests(suite);
  });
}
