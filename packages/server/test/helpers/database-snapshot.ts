import { createHash } from 'node:crypto';
import type { TestStore } from './databases.js';

/** A `refresh_families` row as a crash check reads it. */
export interface SessionSnapshot {
  userId: string;
  generation: number;
  rotatedAt: number;
  revokedAt: number | null;
}

/** A `login_codes` row as a crash check reads it. */
export interface LoginCodeSnapshot {
  state: string;
  sessionId: string | null;
  createdAt: number;
}

/** What the database holds, read with plain SQL on connections of its own (not the service's). */
export interface DatabaseSnapshot {
  /** `Date.now()` when the reading started. */
  takenAt: number;
  users: { id: string; appid: string; openid: string; phoneE164: string | null }[];
  /** (appid, openid) pairs held by more than one user row: must always be none. */
  duplicateUsers: { appid: string; openid: string; count: number }[];
  sessions: Map<string, SessionSnapshot>;
  loginCodes: Map<string, LoginCodeSnapshot>;
  /** `refresh.reuse_detected` audit events: each one is a session the service ended as stolen. */
  reuseAlarms: number;
}

/** The `login_codes` key of a code: the service stores only SHA-256 of `appid|code`, never the code. */
export function loginCodeHash(appid: string, code: string): string {
  return createHash('sha256').update(`${appid}|${code}`).digest('hex');
}

// BIGINT columns arrive as strings from a plain `pg` connection, as numbers from SQLite.
const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** Reads the rows the crash checks judge. Small tables only: it reads them whole. */
export async function snapshotDatabase(testStore: TestStore): Promise<DatabaseSnapshot> {
  const takenAt = Date.now();
  const users = (await testStore.exec('select id, appid, openid, phone_e164 from users')) as {
    id: string;
    appid: string;
    openid: string;
    phone_e164: string | null;
  }[];
  const duplicates = (await testStore.exec(
    'select appid, openid, count(*) as n from users group by appid, openid having count(*) > 1',
  )) as { appid: string; openid: string; n: unknown }[];
  const sessions = (await testStore.exec(
    'select id, user_id, generation, rotated_at, revoked_at from refresh_families',
  )) as { id: string; user_id: string; generation: unknown; rotated_at: unknown; revoked_at: unknown }[];
  const codes = (await testStore.exec('select code_hash, state, family_id, created_at from login_codes')) as {
    code_hash: string;
    state: string;
    family_id: string | null;
    created_at: unknown;
  }[];
  const [alarms] = (await testStore.exec(
    "select count(*) as n from audit_events where action = 'refresh.reuse_detected'",
  )) as { n: unknown }[];
  return {
    takenAt,
    users: users.map((u) => ({ id: u.id, appid: u.appid, openid: u.openid, phoneE164: u.phone_e164 })),
    duplicateUsers: duplicates.map((d) => ({ appid: d.appid, openid: d.openid, count: num(d.n) })),
    sessions: new Map(
      sessions.map((f) => [
        f.id,
        {
          userId: f.user_id,
          generation: num(f.generation),
          rotatedAt: num(f.rotated_at),
          revokedAt: numOrNull(f.revoked_at),
        },
      ]),
    ),
    loginCodes: new Map(
      codes.map((c) => [c.code_hash, { state: c.state, sessionId: c.family_id, createdAt: num(c.created_at) }]),
    ),
    reuseAlarms: num(alarms?.n ?? 0),
  };
}
