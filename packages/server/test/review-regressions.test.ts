import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/config-error.js';
import { loadConfig } from '../src/config/load-config.js';
import { toAppError } from '../src/errors.js';
import type { ErrorEnvelope } from '../src/routes/error-handler.js';
import { openStore, type Store } from '../src/store/index.js';
import { createTestStore, databaseAvailable, testDatabases, type TestStore } from './helpers/databases.js';
import { createTestApp } from './helpers/test-app.js';

const ADMIN_TOKEN = 'review-admin-token-0123456789';
const errorOf = (response: LightMyRequestResponse) => response.json<ErrorEnvelope>().error;

describe('review regressions: input that reached the database as is [sqlite]', () => {
  it('PATCH /v1/me refuses NUL and other control characters in nickname and avatarUrl (PostgreSQL answered 500)', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const bearer = { authorization: `Bearer ${body.accessToken}` };
    for (const patch of [
      { nickname: 'a\u0000b' },
      { nickname: 'line\nbreak' },
      { avatarUrl: 'https://example.com/a\u0000.png' },
      { avatarUrl: 'https://example.com/\ta.png' },
    ]) {
      const response = await t.app.inject({ method: 'PATCH', url: '/v1/me', payload: patch, headers: bearer });
      expect(response.statusCode, JSON.stringify(patch)).toBe(400);
      expect(errorOf(response)).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/control characters/) });
    }
    expect(await t.store.getUser(body.user.id)).toMatchObject({ nickname: null, avatarUrl: null });
    // Still fine: emoji and CJK, counted in characters (code points), as PostgreSQL and MySQL count varchar(64).
    const ok = await t.app.inject({ method: 'PATCH', url: '/v1/me', payload: { nickname: '微信😀'.repeat(21) + '名' }, headers: bearer });
    expect(ok.statusCode).toBe(200);
  });

  it('the admin disable reason refuses NUL (PostgreSQL answered 500) and the user stays active', async () => {
    const t = await createTestApp({ env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN } });
    const { body } = await t.login();
    const response = await t.app.inject({
      method: 'POST',
      url: `/admin/api/users/${body.user.id}/disable`,
      payload: { reason: 'fraud\u0000' },
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect([response.statusCode, errorOf(response).code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await t.store.getUser(body.user.id)).toMatchObject({ status: 'active' });
  });
});

describe('review regressions: answers outside the envelope or the Contract [sqlite]', () => {
  it('a path with broken percent-encoding is 400 VALIDATION_FAILED in the error envelope, not Fastify\'s own body', async () => {
    const t = await createTestApp();
    for (const url of ['/v1/%E0%A4%A', '/admin/api/users/%E0%A4%A']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(400);
      expect(response.json(), url).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.any(String) } });
    }
  });

  it('/admin/api without the right token is 401 on every path and method, unknown ones included; with it, unknown is 404', async () => {
    const t = await createTestApp({ env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN } });
    const unknown: [string, string][] = [
      ['GET', '/admin/api'],
      ['GET', '/admin/api/'],
      ['GET', '/admin/api/nope'],
      ['GET', '/admin/api/users/x/y/z'],
      ['PUT', '/admin/api/users/01970000-0000-7000-8000-000000000000'],
      ['POST', '/admin/api/apps'],
    ];
    for (const [method, url] of unknown) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }]) {
        const response = await t.app.inject({ method: method as 'GET', url, headers });
        expect([response.statusCode, errorOf(response).code], `${method} ${url}`).toEqual([401, 'UNAUTHORIZED']);
      }
      const authorised = await t.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect([authorised.statusCode, errorOf(authorised).code], `${method} ${url}`).toEqual([404, 'NOT_FOUND']);
    }
    // The catch-all is not an API: it stays out of the OpenAPI document.
    const paths = Object.keys((await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: object }>().paths);
    expect(paths.filter((p) => p === '/admin/api' || p.includes('*'))).toEqual([]);
  });

  it('DELETE /v1/me as wx.request sends it (content-type: application/json, no body) deletes the account instead of 400', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const headers = { authorization: `Bearer ${body.accessToken}`, 'content-type': 'application/json' };
    // A body that is there is still parsed as everywhere else.
    for (const payload of ['{', '{"__proto__":{"x":1}}']) {
      const bad = await t.app.inject({ method: 'DELETE', url: '/v1/me', headers, payload });
      expect([bad.statusCode, errorOf(bad).code], payload).toEqual([400, 'VALIDATION_FAILED']);
    }
    const response = await t.app.inject({ method: 'DELETE', url: '/v1/me', headers });
    expect(response.statusCode).toBe(204);
    expect(await t.store.getUser(body.user.id)).toBeUndefined();
  });

  it('a replayed RATE_LIMITED login keeps its Retry-After (the catalogue promises it on every RATE_LIMITED)', async () => {
    const t = await createTestApp({ env: { WXLOGIN_USER_RATE_LIMIT_PER_MIN: '1' } });
    const first = await t.login();
    expect(first.status).toBe(200);
    const limited = await t.login({ openid: first.openid });
    expect([limited.status, errorOf(limited.response).code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(limited.response.headers['retry-after'])).toBeGreaterThan(0);
    const replay = await t.post('/v1/auth/login', { code: limited.code, appid: t.appid });
    expect([replay.statusCode, errorOf(replay).code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(replay.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('review regressions: a database that cannot answer is 503, not a bug [sqlite]', () => {
  it('toAppError maps SQLite\'s busy database to DEPENDENCY_UNAVAILABLE with Retry-After, not a 500; a closed store stays a 500', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxlogin-review-'));
    const { default: Sqlite } = await import('better-sqlite3');
    const holder = new Sqlite(join(dir, 'busy.db'));
    const other = new Sqlite(join(dir, 'busy.db'), { timeout: 0 });
    try {
      holder.exec('create table t (x integer); begin exclusive; insert into t values (1)');
      let busy: unknown;
      try {
        other.exec('insert into t values (2)');
      } catch (error) {
        busy = error;
      }
      expect((busy as { code?: string }).code).toBe('SQLITE_BUSY');
      const mapped = toAppError(busy);
      expect(mapped).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', status: 503, retryAfterSeconds: 1 });
      // The log line gets the driver's code, never its error (MySQL's carries the statement with its values).
      expect(mapped?.cause).toEqual({ code: 'SQLITE_BUSY' });
    } finally {
      other.close();
      holder.close();
      await rm(dir, { recursive: true, force: true });
    }
    const store = await openStore('sqlite::memory:');
    await store.close();
    const closed = await store.getUser('01970000-0000-7000-8000-000000000000').catch((error: unknown) => error);
    expect(toAppError(closed)).toBeUndefined();
  });
});

describe('review regressions: configuration the database cannot hold', () => {
  it('refuses an appid longer than 32 characters at start (the appid columns are varchar(32): every login would fail)', () => {
    const env = { WXLOGIN_MASTER_KEY: randomBytes(32).toString('base64'), WXLOGIN_APPS: `wx${'a'.repeat(31)}:secret-value` };
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(/entry 1 has an invalid appid/);
    expect(loadConfig({ env: { ...env, WXLOGIN_APPS: `wx${'a'.repeat(30)}:secret-value` } }).apps[0]?.appid).toHaveLength(32);
  });
});

/** A TCP relay to the database that the test can cut (every connection dropped, port closed) and restore. */
async function cuttableRelay(target: URL): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = async (port: number): Promise<number> => {
    const next = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => next.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    server = next;
    return (next.address() as { port: number }).port;
  };
  const port = await listen(0);
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const cut = async (): Promise<void> => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  return { url: url.toString(), cut, restore: async () => void (await listen(port)), close: cut };
}

for (const db of testDatabases().filter((d) => d.backend !== 'sqlite')) {
  describe(`review regressions: the database going away ${db.tag}`, () => {
    if (!databaseAvailable(db)) return;
    let testStore: TestStore;
    beforeAll(async () => {
      testStore = await createTestStore(db);
    });
    afterAll(async () => {
      await testStore?.drop();
    });

    const relayedStore = async (): Promise<{ store: Store; relay: Awaited<ReturnType<typeof cuttableRelay>> }> => {
      const relay = await cuttableRelay(new URL(testStore.url));
      const store = await openStore(relay.url, { ...testStore.storeOptions, statementTimeoutMs: 2000 });
      return { store, relay };
    };

    it('answers 503 DEPENDENCY_UNAVAILABLE with Retry-After (not 500) while the database is unreachable, and recovers without a restart', async () => {
      const { store, relay } = await relayedStore();
      try {
        const t = await createTestApp({ store });
        const first = await t.login();
        expect(first.status).toBe(200);
        await relay.cut();
        for (let i = 0; i < 3; i++) {
          const refresh = await t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken });
          expect([refresh.statusCode, errorOf(refresh).code]).toEqual([503, 'DEPENDENCY_UNAVAILABLE']);
          expect(refresh.headers['retry-after']).toBe('1');
          expect(refresh.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|terminated/);
        }
        const login = await t.login();
        expect([login.status, errorOf(login.response).code]).toEqual([503, 'DEPENDENCY_UNAVAILABLE']);
        expect(login.response.headers['retry-after']).toBe('1');
        // Counted under the code answered, not as a bug.
        const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
        expect(metrics).toContain(`wxlogin_logins_total{appid="${t.appid}",outcome="DEPENDENCY_UNAVAILABLE"} 1`);

        await relay.restore();
        const again = await t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken });
        expect(again.statusCode).toBe(200);
        await t.close();
      } finally {
        await relay.close();
        await store.close().catch(() => undefined);
      }
    });

    it('a statement cut off by the statement timeout is DEPENDENCY_UNAVAILABLE, not a bug', async () => {
      let timedOut: unknown;
      if (db.backend === 'pg') {
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: testStore.url, statement_timeout: 20 });
        await client.connect();
        timedOut = await client.query('select pg_sleep(2)').catch((error: unknown) => error);
        await client.end();
      } else {
        const heavy = 'select count(*) from information_schema.columns a, information_schema.columns b, information_schema.columns c';
        timedOut = await testStore.exec(`set statement max_statement_time = 0.02 for ${heavy}`).catch((error: unknown) => error);
      }
      expect(timedOut).toBeInstanceOf(Error);
      expect(toAppError(timedOut)).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', status: 503 });
    });

    it('a connection dropped while a client is checked out between statements does not crash the process', async () => {
      const { store, relay } = await relayedStore();
      const uncaught: unknown[] = [];
      const record = (error: unknown): void => void uncaught.push(error);
      process.prependListener('uncaughtException', record);
      try {
        // withLock holds one connection for the whole of its function: the drop lands on a checked-out, idle client.
        const held = store.withLock('review-drop', async () => {
          await relay.cut();
          await sleep(200); // bounded: long enough for the driver to see the connection end
        });
        await expect(held).rejects.toThrow();
        await sleep(50);
        expect(uncaught.map(String)).toEqual([]);
        await relay.restore();
        await expect(store.getUser('01970000-0000-7000-8000-000000000000')).resolves.toBeUndefined();
      } finally {
        process.removeListener('uncaughtException', record);
        await relay.close();
        await store.close().catch(() => undefined);
      }
    });
  });
}
