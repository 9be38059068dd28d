/**
 * The store's port: {@link Store}, composed of one small interface per aggregate (`port/<aggregate>.ts`, each with
 * its rows), implemented once on Kysely (`<aggregate>.ts` next to this file, composed in `kysely-store.ts`).
 *
 * Times are epoch milliseconds (BIGINT in SQL). Ids are made by the service (UUIDv7), never by the database.
 * Rows are camelCase here; columns are snake_case in SQL.
 */
import type { AuditStore } from './port/audit.js';
import type { CompleteLoginStore } from './port/complete-login.js';
import type { LeaseStore } from './port/leases.js';
import type { StoreLifecycle } from './port/lifecycle.js';
import type { LoginCodeStore } from './port/login-codes.js';
import type { SessionStore } from './port/sessions.js';
import type { SigningKeyStore } from './port/signing-keys.js';
import type { StatsStore } from './port/stats.js';
import type { UserStore } from './port/users.js';
import type { WechatSessionStore } from './port/wechat-sessions.js';

// Callers import every row and input type from here, whichever aggregate defines it.
export type * from './port/audit.js';
export type * from './port/complete-login.js';
export type * from './port/leases.js';
export type * from './port/lifecycle.js';
export type * from './port/login-codes.js';
export type * from './port/page.js';
export type * from './port/sessions.js';
export type * from './port/signing-keys.js';
export type * from './port/stats.js';
export type * from './port/users.js';
export type * from './port/wechat-sessions.js';

/**
 * The data port of the service: every aggregate's interface together. One implementation on Kysely serves SQLite,
 * PostgreSQL and MySQL/MariaDB; what differs between them (insert-if-absent, upsert, the named lock, connection
 * setup, error codes) lives in `store/<dialect>/`.
 */
export interface Store
  extends StoreLifecycle,
    LeaseStore,
    LoginCodeStore,
    CompleteLoginStore,
    UserStore,
    WechatSessionStore,
    SessionStore,
    SigningKeyStore,
    AuditStore,
    StatsStore {}
