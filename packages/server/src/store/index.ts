// The store's public door: the port, its rows, the opener and the one error callers branch on.
export { openStore } from './open-store.js';
export type { OpenStoreOptions } from './store-options.js';
export { UniqueViolationError } from './errors.js';
export type { UserUniqueColumn } from './schema.js';
export type * from './types.js';
