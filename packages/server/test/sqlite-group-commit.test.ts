// The SQLite hot paths share one connection with Kysely and commit in groups: what must hold around that.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteConnection, type SqliteConnection } from '../src/store/sqlite/connection.js';
import { migrateSqlite } from '../src/store/sqlite/migrate.js';
import type { CompleteLoginInput } from '../src/store/index.js';
import { hex, MINUTE, newAppid, newId, newOpenid, T0, TTL } from './store/fixtures.js';

let dir: string;
let conn: SqliteConnection;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wxlogin-group-commit-'));
  conn = await openSqliteConnection(join(dir, 'store.db'));
  await migrateSqlite(conn.db);
});
afterEach(async () => {
  await conn.release();
  rmSync(dir, { recursive: true, force: true });
});

const claim = (appid: string, codeHash = hex()) =>
  conn.hotPaths.claimLoginCode({ codeHash, appid, nonceHash: null, createdAt: T0, expiresAt: T0 + MINUTE });

function loginInput(appid: string, sessionId = newId()): CompleteLoginInput {
  return {
    codeHash: hex(),
    appid,
    openid: newOpenid(),
    unionid: null,
    newUserId: newId(),
    sessionKeySealed: 'sealed',
    session: {
      id: sessionId,
      appid,
      generation: 0,
      rotatedAt: T0,
      lastUsedAt: T0,
      expiresAt: T0 + TTL,
      absoluteExpiresAt: T0 + 2 * TTL,
      createdIp: null,
      userAgent: null,
      createdAt: T0,
    },
    auditId: newId(),
    now: T0,
  };
}

/** A Kysely transaction held open until `end(commit)`; it wrote one audit row. */
function openKyselyTransaction() {
  let end!: (commit: boolean) => void;
  const decided = new Promise<boolean>((resolve) => (end = resolve));
  const done = conn.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('audit_events')
      .values({ id: newId(), at: T0, actor: 'test', action: 'held', appid: null, userId: null, detailJson: null })
      .execute();
    if (!(await decided)) throw new Error('rolled back on purpose');
  });
  return { end, done };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('SQLite group commit', () => {
  it('a write queued while a Kysely transaction is open waits for it and survives its rollback', async () => {
    const appid = newAppid();
    const held = openKyselyTransaction();
    await tick();
    let settled = false;
    const claimed = claim(appid).then((value) => ((settled = true), value));
    await tick();
    expect(settled).toBe(false);
    held.end(false);
    await expect(held.done).rejects.toThrow('rolled back on purpose');
    expect(await claimed).toBe(true);
    const rows = await conn.db.selectFrom('login_codes').select('appid').where('appid', '=', appid).execute();
    expect(rows).toHaveLength(1);
    expect(await conn.db.selectFrom('audit_events').selectAll().where('action', '=', 'held').execute()).toEqual([]);
  });

  it("a read while a Kysely transaction is open never sees that transaction's uncommitted rows", async () => {
    const appid = newAppid();
    const id = newId();
    let end!: () => void;
    const decided = new Promise<void>((resolve) => (end = resolve));
    const done = conn.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('users')
        .values({
          id,
          appid,
          openid: newOpenid(),
          unionid: null,
          phoneE164: null,
          nickname: null,
          avatarUrl: null,
          status: 'active',
          disabledReason: null,
          createdAt: T0,
          lastLoginAt: T0,
          updatedAt: T0,
        })
        .execute();
      await decided;
      throw new Error('rolled back on purpose');
    });
    await tick();
    const read = conn.hotPaths.getUser(id);
    end();
    await expect(done).rejects.toThrow('rolled back on purpose');
    expect(await read).toBeUndefined();
  });

  it('logins committed in one group: a failing one is rolled back alone, the others commit', async () => {
    const appid = newAppid();
    const taken = newId();
    const first = conn.hotPaths.completeLogin(loginInput(appid, taken));
    // Same session id: its session insert fails after its user insert ran, inside the same group transaction.
    const failing = conn.hotPaths.completeLogin(loginInput(appid, taken));
    const third = conn.hotPaths.completeLogin(loginInput(appid));
    const [a, b, c] = await Promise.allSettled([first, failing, third]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    expect(c.status).toBe('fulfilled');
    const users = await conn.db.selectFrom('users').select('id').where('appid', '=', appid).execute();
    expect(users).toHaveLength(2);
    const sessions = await conn.db.selectFrom('refresh_families').select('id').where('appid', '=', appid).execute();
    expect(sessions).toHaveLength(2);
  });

  it('claims of the same code in one group: exactly one wins', async () => {
    const appid = newAppid();
    const codeHash = hex();
    const results = await Promise.all(Array.from({ length: 5 }, () => claim(appid, codeHash)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
