import { testDatabase } from './helpers/databases.js';
import { runStoreSuite } from './store/run-store-suite.js';

runStoreSuite(testDatabase('sqlite'));
