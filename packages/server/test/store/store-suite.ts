import type { Store } from '../../src/store/index.js';
import type { TestDatabase, TestStore } from '../helpers/databases.js';

/** Opens an isolated database of the suite's kind, migrated unless `migrate: false`; the caller drops it. */
export type OpenTestStore = (options?: { migrate?: boolean }) => Promise<TestStore>;

/**
 * What the aggregates' tests get from `runStoreSuite`: the database under test, and, from `beforeAll` on,
 * the one isolated database the whole suite shares.
 */
export interface StoreSuite {
  readonly db: TestDatabase;
  /** The suite's database (read it in `beforeAll` or a test, not while tests are being declared). */
  readonly testStore: TestStore;
  /** `testStore.store`. */
  readonly store: Store;
  /** Another isolated database, for a test that needs an empty one. */
  readonly open: OpenTestStore;
}
