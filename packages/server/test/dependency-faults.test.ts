import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { LoginResponse } from '../src/schemas/tokens.js';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '../src/redis/redis-client.js';
import { toAppError } from '../src/errors/to-app-error.js';
import type { ErrorEnvelope } from '../src/routes/error-handler.js';
import { requestDeadlineMs } from '../src/http/request-deadline.js';
import { clientStatementTimeoutMs } from '../src/store/client-timeouts.js';
import { openStore, type Store } from '../src/store/index.js';
import { databaseAvailable, testDatabases, type TestDatabase, useTestStore } from './helpers/databases.js';
import { eventually, redisAvailable, testRedisTarget, useTestRedis } from './helpers/redis.js';
import { startTcpRelay, type TcpRelay } from './helpers/tcp-relay.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

// Short, so a partition costs the suite about a second and a half per phase; every bound below follows from it.
const STATEMENT_TIMEOUT_MS = 400;
const WECHAT_TIMEOUT_MS = 2000;
const POOL_MAX = 3;
const ENV = {
  WXLOGIN_DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
  WXLOGIN_DB_POOL_MAX: String(POOL_MAX),
  WXLOGIN_WECHAT_TIMEOUT_MS: String(WECHAT_TIMEOUT_MS),
};
/** Scheduling slack for a busy two-core runner. */
const SLACK_MS = 500;
/** The documented bound of a request (docs/operations.md "Timeouts and outages"), plus slack. */
const REQUEST_BOUND_MS =
  requestDeadlineMs({ wechatTimeoutMs: WECHAT_TIMEOUT_MS, dbStatementTimeoutMs: STATEMENT_TIMEOUT_MS }) + SLACK_MS;
/** The documented client-side bound of one statement, plus slack. */
const STATEMENT_BOUND_MS = clientStatementTimeoutMs(STATEMENT_TIMEOUT_MS)! + SLACK_MS;
/** How long a refused or dropped connection may take to turn into an answer. */
const FAST_MS = 1000;
/** `/readyz` answers within about 2 s whatever the database does. */
const READY_BOUND_MS = 2000;
/** The test gives up on an answer after this (the old code never answered). */
const GIVE_UP_MS = REQUEST_BOUND_MS + 3000;
/** A test has a few phases of at most GIVE_UP_MS each. */
const TEST_TIMEOUT_MS = 4 * GIVE_UP_MS;

/** One answer and how long it took; `status` 0 when none came within {@link GIVE_UP_MS}. */
interface Timed {
  status: number;
  code: string | undefined;
  retryAfter: string | undefined;
  ms: number;
  body: unknown;
}

/** `work`'s outcome within {@link GIVE_UP_MS}, or `'no answer'`, and how long it took. */
async function within<T>(work: Promise<T>): Promise<{ outcome: T | 'no answer'; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<'no answer'>((resolve) => {
    timer = setTimeout(() => resolve('no answer'), GIVE_UP_MS);
  });
  try {
    const outcome = await Promise.race([work, giveUp]);
    return { outcome, ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

async function timed(request: () => Promise<LightMyRequestResponse>): Promise<Timed> {
  const { outcome, ms } = await within(request());
  if (outcome === 'no answer') return { status: 0, code: 'NO ANSWER', retryAfter: undefined, ms, body: undefined };
  const body = outcome.json<{ error?: { code?: string } }>();
  const retryAfter = outcome.headers['retry-after'];
  return {
    status: outcome.statusCode,
    code: body.error?.code,
    retryAfter: retryAfter === undefined ? undefined : String(retryAfter),
    ms,
    body,
  };
}

/** One line per answer, e.g. `[pg] blackhole: refresh → 503 DEPENDENCY_UNAVAILABLE in 1412 ms`. */
function report(
  tag: string,
  fault: string,
  what: string,
  answer: { status: number | string; code?: string | undefined; ms: number },
): void {
  console.log(
    `${tag} ${fault}: ${what} → ${answer.status}${answer.code === undefined ? '' : ` ${answer.code}`} in ${answer.ms} ms`,
  );
}

/** What a store call failed with, as the service would answer it. */
function answered(error: unknown): { status: number | string; code: string | undefined } {
  const mapped = toAppError(error);
  return mapped === undefined ? { status: 500, code: 'INTERNAL_ERROR' } : { status: mapped.status, code: mapped.code };
}

/** The envelope's error of an answer. */
const errorOf = (response: LightMyRequestResponse) => response.json<ErrorEnvelope>().error;
const unavailable = { status: 503, code: 'DEPENDENCY_UNAVAILABLE', retryAfter: '1' };
const masterKey = randomBytes(32).toString('base64');

/** The codes the service logged as the causes of its 503s (`request failed: …` lines at warn level). */
/**
 * The service on its own database at `url` (bounded as in every test here, logs kept in `lines`), and a first login
 * that succeeded while the database still admitted sessions.
 */
async function loggedInAppOn(url: string) {
  const store = await openStore(url, { statementTimeoutMs: STATEMENT_TIMEOUT_MS, poolMax: POOL_MAX });
  onTestFinished(() => store.close());
  await store.migrate();
  const lines: string[] = [];
  const t = await createTestApp({
    store,
    env: { ...ENV, WXLOGIN_MASTER_KEY: masterKey, WXLOGIN_LOG_LEVEL: 'warn' },
    logStream: { write: (line) => void lines.push(line) },
  });
  const first = await t.login();
  expect(first.status).toBe(200);
  return { t, lines, first };
}

function loggedCauses(lines: string[]): string[] {
  return lines
    .map((line) => JSON.parse(line) as { msg?: string; cause?: { code?: string } })
    .filter((entry) => entry.msg?.startsWith('request failed') === true && entry.cause?.code !== undefined)
    .map((entry) => entry.cause!.code!);
}

const serverDatabases = testDatabases().filter(
  (d): d is TestDatabase & { backend: 'pg' | 'mariadb' } => d.backend !== 'sqlite',
);

for (const db of serverDatabases) {
  describe(`dependency faults: the database behind a relay ${db.tag}`, { timeout: TEST_TIMEOUT_MS }, () => {
    if (!databaseAvailable(db)) return;
    const testStore = useTestStore(db);

    const relayed = async (): Promise<{ relay: TcpRelay; store: Store }> => {
      const relay = await startTcpRelay(testStore.url, db.backend === 'pg' ? 5432 : 3306);
      onTestFinished(() => relay.close());
      const store = await openStore(relay.url, {
        ...testStore.storeOptions,
        statementTimeoutMs: STATEMENT_TIMEOUT_MS,
        poolMax: POOL_MAX,
      });
      // Registered after the relay's: runs first, while the relay still holds what it holds.
      onTestFinished(() => store.close());
      return { relay, store };
    };

    /** A whole service whose database connections all go through a relay of this test. */
    const relayedApp = async (): Promise<{ t: TestApp; relay: TcpRelay }> => {
      const { relay, store } = await relayed();
      const t = await createTestApp({ store, env: { ...ENV, WXLOGIN_MASTER_KEY: masterKey } });
      return { t, relay };
    };

    it('a statement on an idle connection that the partitioned database never answers fails after the statement timeout + 1 s as DEPENDENCY_UNAVAILABLE, and that connection is destroyed at once, not handed out again', async () => {
      const { relay, store } = await relayed();
      await store.ping();
      expect(relay.openConnections).toBe(1);

      await relay.blackhole();
      const { outcome, ms } = await within(
        store.ping().then(
          () => 'answered',
          (error: unknown) => error,
        ),
      );
      report(db.tag, 'blackhole', 'store.ping on an idle connection', { ...answered(outcome), ms });
      expect(answered(outcome)).toEqual({ status: 503, code: 'DEPENDENCY_UNAVAILABLE' });
      expect(ms).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS);
      expect(ms).toBeLessThan(STATEMENT_BOUND_MS);
      // Destroyed by the client while the partition lasts (the relay would reset it only once traffic passes again).
      expect(await eventually(() => relay.openConnections === 0, 1000), 'the timed-out connection is closed').toBe(
        true,
      );

      const accepted = relay.acceptedConnections;
      await relay.pass();
      await store.ping();
      expect(relay.acceptedConnections, 'the next statement dialled a fresh connection').toBe(accepted + 1);
    });

    it("closing the store while a statement is out on the partitioned database ends within that statement's bound, not never", async () => {
      const { relay, store } = await relayed();
      await store.ping();
      await relay.blackhole();
      const out = store.ping().catch((error: unknown) => error);
      expect(await eventually(() => relay.droppedChunks > 0, 1000), 'the statement went out').toBe(true);
      const { outcome, ms } = await within(store.close().then(() => 'closed'));
      report(db.tag, 'blackhole', 'store.close with a statement out', { status: outcome, ms });
      expect(outcome).toBe('closed');
      expect(ms).toBeLessThan(STATEMENT_BOUND_MS);
      expect(answered(await out)).toEqual({ status: 503, code: 'DEPENDENCY_UNAVAILABLE' });
    });

    it('withLock waits for a holder longer than the statement timeout + 1 s: the client-side bound follows the statement timeout that the lock wait lifts, and does not cut the wait', async () => {
      const options = { ...testStore.storeOptions, statementTimeoutMs: STATEMENT_TIMEOUT_MS, poolMax: 2 };
      const [holder, waiter] = [await openStore(testStore.url, options), await openStore(testStore.url, options)];
      onTestFinished(() => Promise.all([holder.close(), waiter.close()]).then(() => undefined));
      let release!: () => void;
      let holding!: () => void;
      const held = new Promise<void>((resolve) => void (holding = resolve));
      const first = holder.withLock('dependency-faults', () => {
        holding();
        return new Promise<void>((resolve) => void (release = resolve));
      });
      await held;
      const started = performance.now();
      const second = waiter.withLock('dependency-faults', async () => Math.round(performance.now() - started));
      // The wait itself is what is tested: it must outlast the client-side bound of an ordinary statement.
      const holdMs = STATEMENT_BOUND_MS;
      setTimeout(() => release(), holdMs);
      await first;
      const waited = await second;
      report(
        db.tag,
        'lock held',
        `withLock waited for the holder (bound of a statement ${clientStatementTimeoutMs(STATEMENT_TIMEOUT_MS)} ms)`,
        { status: 'got the lock', ms: waited },
      );
      expect(waited).toBeGreaterThanOrEqual(holdMs - 50);
    });

    it('cut (connections dropped, port refusing): refresh, login and /v1/me answer 503 DEPENDENCY_UNAVAILABLE with Retry-After at once, /readyz 503; restored, the next requests succeed without a restart', async () => {
      const { t, relay } = await relayedApp();
      const first = await t.login();
      expect(first.status).toBe(200);

      await relay.cut();
      const answers = {
        refresh: await timed(() => t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken })),
        me: await timed(() => t.get('/v1/me', first.body.accessToken)),
        login: await timed(async () => (await t.login()).response),
        readyz: await timed(() => t.get('/readyz')),
      };
      for (const [what, answer] of Object.entries(answers)) {
        report(db.tag, 'cut', what, answer);
        expect(answer, what).toMatchObject(
          what === 'readyz' ? { status: 503, code: 'DEPENDENCY_UNAVAILABLE' } : unavailable,
        );
        expect(answer.ms, what).toBeLessThan(FAST_MS);
      }

      await relay.pass();
      const again = await timed(() => t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken }));
      report(db.tag, 'restored after cut', 'refresh', again);
      expect(again.status).toBe(200);
      expect((await t.login()).status).toBe(200);
      expect((await t.get('/readyz')).statusCode).toBe(200);
    });

    it(`blackhole (connections open, nothing answers): refresh and login answer 503 DEPENDENCY_UNAVAILABLE within the documented bound, /readyz 503 within ${READY_BOUND_MS} ms; restored, the next requests succeed without a restart`, async () => {
      const { t, relay } = await relayedApp();
      const first = await t.login();
      expect(first.status).toBe(200);

      await relay.blackhole();
      const [refresh, login, readyz] = await Promise.all([
        timed(() => t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken })),
        timed(async () => (await t.login()).response),
        timed(() => t.get('/readyz')),
      ]);
      report(db.tag, 'blackhole', 'refresh', refresh);
      report(db.tag, 'blackhole', 'login', login);
      report(db.tag, 'blackhole', 'readyz', readyz);
      expect(refresh).toMatchObject(unavailable);
      expect(login).toMatchObject(unavailable);
      expect(refresh.ms).toBeLessThan(REQUEST_BOUND_MS);
      expect(login.ms).toBeLessThan(REQUEST_BOUND_MS);
      expect(readyz).toMatchObject({ status: 503, code: 'DEPENDENCY_UNAVAILABLE' });
      expect(readyz.body).toMatchObject({ status: 'unavailable', database: 'unreachable' });
      expect(readyz.ms).toBeLessThan(READY_BOUND_MS);

      await relay.pass();
      const again = await timed(() => t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken }));
      report(db.tag, 'restored after blackhole', 'refresh', again);
      expect(again.status).toBe(200);
      expect((await t.login()).status).toBe(200);
      expect((await t.get('/readyz')).statusCode).toBe(200);
    });

    it(`a pool full of hung connections: with all ${POOL_MAX} connections caught by a partition that never lets them go (the database moved to another host), ${POOL_MAX * 2} requests at once answer 503 within the bound, and once new connections get through, requests succeed again within the statement bound, with no restart`, async () => {
      const { t, relay } = await relayedApp();
      const sessions: LoginResponse[] = [];
      for (let i = 0; i < POOL_MAX * 2; i++) {
        const login = await t.login();
        expect(login.status).toBe(200);
        sessions.push(login.body);
      }
      // Requests at once until the pool holds every connection it may (bounded: a few rounds at most).
      for (let round = 0; round < 5 && relay.openConnections < POOL_MAX; round++) {
        await Promise.all(
          sessions.map((s) =>
            t.post('/v1/auth/refresh', { refreshToken: s.refreshToken }).then((r) => {
              s.refreshToken = r.json<{ refreshToken: string }>().refreshToken;
            }),
          ),
        );
      }
      expect(relay.openConnections).toBe(POOL_MAX);

      await relay.blackhole();
      const during = await Promise.all(sessions.map((s) => timed(() => t.get('/v1/me', s.accessToken))));
      const slowest = during.reduce((a, b) => (a.ms >= b.ms ? a : b));
      report(db.tag, `blackhole, ${during.length} at once on a full pool`, 'slowest /v1/me', slowest);
      for (const answer of during) expect(answer).toMatchObject(unavailable);
      expect(slowest.ms).toBeLessThan(REQUEST_BOUND_MS);

      // Only new connections get through: each caught one must be given up by the service itself.
      await relay.passNewOnly();
      const healed = performance.now();
      let first: Timed | undefined;
      for (let attempt = 0; attempt < 100 && performance.now() - healed < GIVE_UP_MS; attempt++) {
        const answer = await timed(() => t.get('/v1/me', sessions[0]!.accessToken));
        if (answer.status === 200) {
          first = answer;
          break;
        }
        expect(answer).toMatchObject(unavailable);
      }
      const recoveredMs = Math.round(performance.now() - healed);
      report(db.tag, 'new connections pass again', 'first /v1/me answered 200', {
        status: first?.status ?? 'never',
        ms: recoveredMs,
      });
      expect(first?.status, 'recovered').toBe(200);
      // The caught connections are given up at their statement bound; a request waits for a free one at most S.
      expect(recoveredMs).toBeLessThan(STATEMENT_BOUND_MS + STATEMENT_TIMEOUT_MS);

      const after = await Promise.all(
        sessions.map((s) => timed(() => t.post('/v1/auth/refresh', { refreshToken: s.refreshToken }))),
      );
      const slowestAfter = after.reduce((a, b) => (a.ms >= b.ms ? a : b));
      report(db.tag, 'recovered from a full pool hung', `slowest of ${after.length} refreshes`, slowestAfter);
      expect(after.map((a) => a.status)).toEqual(sessions.map(() => 200));
    });
  });
}

describe('dependency faults: a busy SQLite database [sqlite]', () => {
  it("toAppError maps SQLite's busy database to DEPENDENCY_UNAVAILABLE with Retry-After, not a 500; a closed store stays a 500", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxlogin-busy-'));
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

for (const db of serverDatabases) {
  describe(`dependency faults: the database going away ${db.tag}`, () => {
    if (!databaseAvailable(db)) return;
    const testStore = useTestStore(db);

    const relayedStore = async (): Promise<{ store: Store; relay: TcpRelay }> => {
      const relay = await startTcpRelay(testStore.url, db.backend === 'pg' ? 5432 : 3306);
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

        await relay.pass();
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
        const heavy =
          'select count(*) from information_schema.columns a, information_schema.columns b, information_schema.columns c';
        timedOut = await testStore
          .exec(`set statement max_statement_time = 0.02 for ${heavy}`)
          .catch((error: unknown) => error);
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
        const held = store.withLock('drop-while-held', async () => {
          await relay.cut();
          await sleep(200); // bounded: long enough for the driver to see the connection end
        });
        await expect(held).rejects.toThrow();
        await sleep(50);
        expect(uncaught.map(String)).toEqual([]);
        await relay.pass();
        await expect(store.getUser('01970000-0000-7000-8000-000000000000')).resolves.toBeUndefined();
      } finally {
        process.removeListener('uncaughtException', record);
        await relay.close();
        await store.close().catch(() => undefined);
      }
    });
  });
}

// A database of the test's own (and a role/user of its own) that it stops admitting sessions to, then admits again.
const ownName = `wxlogin_t_df_${process.pid}`;

const pgDb = serverDatabases.find((d) => d.backend === 'pg');
if (pgDb !== undefined) {
  describe(`dependency faults: a PostgreSQL database that refuses new sessions ${pgDb.tag}`, {
    timeout: TEST_TIMEOUT_MS,
  }, () => {
    if (!databaseAvailable(pgDb)) return;
    let admin: import('pg').Client;
    let pg: typeof import('pg').default;
    beforeAll(async () => {
      pg = (await import('pg')).default;
      admin = new pg.Client({ connectionString: pgDb.url });
      await admin.connect();
      await admin.query(`drop database if exists ${ownName} with (force)`);
      await admin.query(`drop role if exists ${ownName}`);
      await admin.query(`create role ${ownName} login`);
      await admin.query(`create database ${ownName} owner ${ownName}`);
    });
    afterAll(async () => {
      if (admin === undefined) return;
      await admin.query(`drop database if exists ${ownName} with (force)`);
      await admin.query(`drop role if exists ${ownName}`);
      await admin.end();
    });

    const ownUrl = (): string => {
      const url = new URL(pgDb.url!);
      url.username = ownName;
      url.password = '';
      url.pathname = `/${ownName}`;
      return url.toString();
    };
    const terminateSessions = () =>
      admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [ownName],
      );

    it('ALLOW_CONNECTIONS false (55000) and a role at its connection limit (53300) answer 503 DEPENDENCY_UNAVAILABLE with Retry-After, not 500 INTERNAL_ERROR; admitted again, the next request succeeds', async () => {
      const { t, lines, first } = await loggedInAppOn(ownUrl());
      const refresh = () => timed(() => t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken }));

      for (const [fault, refuse, admit, cause] of [
        [
          'ALLOW_CONNECTIONS false',
          `alter database ${ownName} allow_connections false`,
          `alter database ${ownName} allow_connections true`,
          '55000',
        ],
        [
          'CONNECTION LIMIT 0',
          `alter role ${ownName} connection limit 0`,
          `alter role ${ownName} connection limit -1`,
          '53300',
        ],
      ] as const) {
        lines.length = 0;
        await admin.query(refuse);
        // Sessions already open stay open: end them (57P01), so the next statements need new ones.
        await terminateSessions();
        for (let i = 0; i < 3; i++) {
          const answer = await refresh();
          report(pgDb.tag, fault, 'refresh', answer);
          expect(answer).toMatchObject(unavailable);
          expect(answer.ms).toBeLessThan(FAST_MS);
        }
        expect(loggedCauses(lines)).toContain(cause);
        await admin.query(admit);
        const again = await refresh();
        report(pgDb.tag, `${fault} lifted`, 'refresh', again);
        expect(again.status).toBe(200);
      }
    });

    it('the real errors of pg for refused and ended sessions are DEPENDENCY_UNAVAILABLE: 55000 and 53300 at connect, 57P01 in flight, and the next query of the terminated client', async () => {
      const seen: Record<string, unknown> = {};
      const connectError = async (): Promise<unknown> => {
        const client = new pg.Client({ connectionString: ownUrl() });
        return client.connect().then(
          async () => {
            await client.end();
            return 'connected';
          },
          (error: unknown) => error,
        );
      };
      try {
        await admin.query(`alter database ${ownName} allow_connections false`);
        seen['55000 at connect'] = await connectError();
      } finally {
        await admin.query(`alter database ${ownName} allow_connections true`);
      }
      try {
        await admin.query(`alter role ${ownName} connection limit 0`);
        seen['53300 at connect'] = await connectError();
      } finally {
        await admin.query(`alter role ${ownName} connection limit -1`);
      }
      const victim = new pg.Client({ connectionString: ownUrl() });
      victim.on('error', () => undefined);
      await victim.connect();
      const pid = (await victim.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      const inFlight = victim.query('select pg_sleep(5)').catch((error: unknown) => error);
      await eventually(
        async () =>
          (await admin.query("select 1 from pg_stat_activity where pid = $1 and state = 'active'", [pid])).rowCount ===
          1,
        2000,
      );
      await admin.query('select pg_terminate_backend($1)', [pid]);
      seen['57P01 in flight'] = await inFlight;
      seen['next query of the terminated client'] = await victim.query('select 1').catch((error: unknown) => error);
      await victim.end().catch(() => undefined);

      for (const [what, error] of Object.entries(seen)) {
        const shape =
          error instanceof Error ? `${(error as { code?: string }).code ?? '-'} "${error.message}"` : String(error);
        console.log(`${pgDb.tag} refused: ${what}: ${shape} → ${JSON.stringify(answered(error))}`);
        expect(answered(error), what).toEqual({ status: 503, code: 'DEPENDENCY_UNAVAILABLE' });
      }
      expect((seen['55000 at connect'] as { code?: string }).code).toBe('55000');
      expect((seen['53300 at connect'] as { code?: string }).code).toBe('53300');
      expect((seen['57P01 in flight'] as { code?: string }).code).toBe('57P01');
    });

    it('errors this machine cannot produce without restarting its server (57P03 starting up, 57P02 crash shutdown, 57P05 idle-session timeout, 08006), built as pg builds them, are DEPENDENCY_UNAVAILABLE; a syntax error stays a 500', () => {
      const built = (code: string, message: string): Error =>
        Object.assign(new pg.DatabaseError(message, message.length, 'error'), { code, severity: 'FATAL' });
      for (const [code, message] of [
        ['57P03', 'the database system is starting up'],
        ['57P02', 'terminating connection because of crash of another server process'],
        ['57P05', 'terminating connection due to idle-session timeout'],
        ['08006', 'connection failure'],
      ] as const) {
        expect(answered(built(code, message)), code).toEqual({ status: 503, code: 'DEPENDENCY_UNAVAILABLE' });
      }
      expect(answered(built('42601', 'syntax error at or near "selec"'))).toEqual({
        status: 500,
        code: 'INTERNAL_ERROR',
      });
    });
  });
}

const mysqlDb = serverDatabases.find((d) => d.backend === 'mariadb');
if (mysqlDb !== undefined) {
  describe(`dependency faults: a MariaDB database that refuses new sessions ${mysqlDb.tag}`, {
    timeout: TEST_TIMEOUT_MS,
  }, () => {
    if (!databaseAvailable(mysqlDb)) return;
    type MysqlModule = typeof import('mysql2/promise');
    let mysql: MysqlModule;
    let admin: Awaited<ReturnType<MysqlModule['createConnection']>>;
    const account = `'${ownName}'@'127.0.0.1'`;
    beforeAll(async () => {
      mysql = (await import('mysql2/promise')).default;
      admin = await mysql.createConnection({ uri: mysqlDb.url! });
      await admin.query(`drop database if exists \`${ownName}\``);
      await admin.query(`drop user if exists ${account}`);
      await admin.query(`create database \`${ownName}\` character set utf8mb4 collate utf8mb4_bin`);
      await admin.query(`create user ${account}`);
      await admin.query(`grant all on \`${ownName}\`.* to ${account}`);
    });
    afterAll(async () => {
      if (admin === undefined) return;
      await admin.query(`drop database if exists \`${ownName}\``);
      await admin.query(`drop user if exists ${account}`);
      await admin.end();
    });

    const ownUrl = (): string => {
      const url = new URL(mysqlDb.url!);
      url.username = ownName;
      url.password = '';
      url.hostname = '127.0.0.1';
      url.pathname = `/${ownName}`;
      return url.toString();
    };
    /** Ends every session of the test's user but `keep` (KILL of its own connections). */
    const killSessions = async (keep?: number): Promise<void> => {
      const [rows] = await admin.query(`select id from information_schema.processlist where user = ?`, [ownName]);
      for (const { id } of rows as { id: number }[])
        if (id !== keep) await admin.query(`kill ${Number(id)}`).catch(() => undefined);
    };

    it('a user at its MAX_USER_CONNECTIONS (1226) answers 503 DEPENDENCY_UNAVAILABLE with Retry-After, not 500 INTERNAL_ERROR; raised again, the next request succeeds', async () => {
      const { t, lines, first } = await loggedInAppOn(ownUrl());

      await admin.query(`alter user ${account} with max_user_connections 1`);
      const holder = await mysql.createConnection({ uri: ownUrl() });
      try {
        await killSessions(holder.threadId);
        for (let i = 0; i < 3; i++) {
          const answer = await timed(() => t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken }));
          report(mysqlDb.tag, 'MAX_USER_CONNECTIONS reached', 'refresh', answer);
          expect(answer).toMatchObject(unavailable);
          expect(answer.ms).toBeLessThan(FAST_MS);
        }
        expect(loggedCauses(lines)).toContain('ER_USER_LIMIT_REACHED');
      } finally {
        await admin.query(`alter user ${account} with max_user_connections 0`);
        await holder.end();
      }
      const again = await timed(() => t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken }));
      report(mysqlDb.tag, 'MAX_USER_CONNECTIONS lifted', 'refresh', again);
      expect(again.status).toBe(200);
    });

    it('the real errors of mysql2 for refused and ended sessions are DEPENDENCY_UNAVAILABLE: 1226 at connect, KILL in flight, the next query of the killed connection, KILL QUERY (1317), a lock wait timeout (1205)', async () => {
      const seen: Record<string, unknown> = {};
      await admin.query(`alter user ${account} with max_user_connections 1`);
      const holder = await mysql.createConnection({ uri: ownUrl() });
      try {
        seen['1226 at connect'] = await mysql.createConnection({ uri: ownUrl() }).then(
          async (conn) => {
            await conn.end();
            return 'connected';
          },
          (error: unknown) => error,
        );
      } finally {
        await admin.query(`alter user ${account} with max_user_connections 0`);
        await holder.end();
      }

      const victim = await mysql.createConnection({ uri: ownUrl() });
      // A killed connection may report its end as an event too; unheard, it would be an uncaught error.
      (victim as unknown as NodeJS.EventEmitter).on('error', () => undefined);
      const inFlight = victim.query('select sleep(5)').catch((error: unknown) => error);
      await eventually(async () => {
        const [rows] = await admin.query(
          `select 1 from information_schema.processlist where id = ? and info like 'select sleep%'`,
          [victim.threadId],
        );
        return (rows as unknown[]).length === 1;
      }, 2000);
      await admin.query(`kill ${victim.threadId}`);
      seen['KILL in flight'] = await inFlight;
      seen['next query of the killed connection'] = await victim.query('select 1').catch((error: unknown) => error);
      victim.destroy();

      const interrupted = await mysql.createConnection({ uri: ownUrl() });
      const sleeping = interrupted.query('select sleep(5)').catch((error: unknown) => error);
      await eventually(async () => {
        const [rows] = await admin.query(
          `select 1 from information_schema.processlist where id = ? and info like 'select sleep%'`,
          [interrupted.threadId],
        );
        return (rows as unknown[]).length === 1;
      }, 2000);
      await admin.query(`kill query ${interrupted.threadId}`);
      seen['KILL QUERY'] = await sleeping;

      const holderOfRow = await mysql.createConnection({ uri: ownUrl() });
      try {
        await holderOfRow.query('create table if not exists lock_probe (id int primary key) engine=InnoDB');
        await holderOfRow.query('insert ignore into lock_probe values (1)');
        await holderOfRow.query('begin');
        await holderOfRow.query('select id from lock_probe where id = 1 for update');
        await interrupted.query('set session innodb_lock_wait_timeout = 1');
        seen['lock wait timeout'] = await interrupted
          .query('update lock_probe set id = 1 where id = 1')
          .catch((error: unknown) => error);
      } finally {
        await holderOfRow.query('rollback');
        await holderOfRow.end();
        await interrupted.end();
      }

      for (const [what, error] of Object.entries(seen)) {
        const shape =
          error instanceof Error
            ? `${(error as { code?: string }).code ?? '-'} ${(error as { errno?: number }).errno ?? '-'} "${error.message}"`
            : String(error);
        console.log(`${mysqlDb.tag} refused: ${what}: ${shape} → ${JSON.stringify(answered(error))}`);
        expect(answered(error), what).toEqual({ status: 503, code: 'DEPENDENCY_UNAVAILABLE' });
      }
      expect((seen['1226 at connect'] as { errno?: number }).errno).toBe(1226);
      expect((seen['KILL QUERY'] as { errno?: number }).errno).toBe(1317);
      expect((seen['lock wait timeout'] as { errno?: number }).errno).toBe(1205);
    });

    it('errors this machine cannot produce without reconfiguring or stopping its server (1040 too many connections, 1203 global max_user_connections, 1053 shutdown, 1927 connection killed), built as mysql2 builds them, are DEPENDENCY_UNAVAILABLE; a duplicate key stays a 500', () => {
      // mysql2's Packet.asError: message, then code (the errno's name), errno, sqlState, sqlMessage; fatal in a handshake.
      const built = (errno: number, code: string, sqlState: string, message: string, fatal: boolean): Error =>
        Object.assign(new Error(message), {
          code,
          errno,
          sqlState,
          sqlMessage: message,
          ...(fatal ? { fatal: true } : {}),
        });
      for (const [errno, code, sqlState, message, fatal] of [
        [1040, 'ER_CON_COUNT_ERROR', '08004', 'Too many connections', true],
        [
          1203,
          'ER_TOO_MANY_USER_CONNECTIONS',
          '42000',
          "User wxlogin already has more than 'max_user_connections' active connections",
          true,
        ],
        [1053, 'ER_SERVER_SHUTDOWN', '08S01', 'Server shutdown in progress', false],
        [1927, 'ER_CONNECTION_KILLED', '70100', 'Connection was killed', false],
      ] as const) {
        expect(answered(built(errno, code, sqlState, message, fatal)), code).toEqual({
          status: 503,
          code: 'DEPENDENCY_UNAVAILABLE',
        });
      }
      expect(answered(built(1062, 'ER_DUP_ENTRY', '23000', "Duplicate entry '1' for key 'PRIMARY'", false))).toEqual({
        status: 500,
        code: 'INTERNAL_ERROR',
      });
    });
  });
}

describe('dependency faults: Redis behind a relay [redis]', { timeout: TEST_TIMEOUT_MS }, () => {
  const target = testRedisTarget();
  if (!redisAvailable(target)) return;
  const redis = useTestRedis(target);

  it('cut, then blackholed: logins and refreshes still answer 200 (Redis is never the source of truth), within the command timeouts; restored, the connection comes back by itself', async () => {
    const relay = await startTcpRelay(redis.url, 6379);
    onTestFinished(() => relay.close());
    const client = createRedisClient(relay.url, { keyPrefix: redis.prefix });
    onTestFinished(() => closeRedisClient(client));
    expect(await waitForRedisReady(client, 3000)).toBe(true);
    const t = await createTestApp({ env: { WXLOGIN_MASTER_KEY: masterKey }, appOptions: { redis: client } });
    const first = await t.login();
    expect(first.status).toBe(200);
    let refreshToken = first.body.refreshToken;

    for (const fault of ['cut', 'blackhole'] as const) {
      await relay[fault]();
      const login = await timed(async () => (await t.login()).response);
      const refresh = await timed(() => t.post('/v1/auth/refresh', { refreshToken }));
      report('[redis]', fault, 'login', login);
      report('[redis]', fault, 'refresh', refresh);
      expect([login.status, refresh.status]).toEqual([200, 200]);
      // A few Redis calls per request, each at most the 500 ms command timeout before the fallback.
      expect(Math.max(login.ms, refresh.ms)).toBeLessThan(2500);
      refreshToken = (refresh.body as { refreshToken: string }).refreshToken;

      await relay.pass();
      expect(await eventually(() => client.status === 'ready', 5000), `Redis reconnects after ${fault}`).toBe(true);
      expect((await t.get('/readyz')).json()).toMatchObject({ redis: 'ok' });
      expect((await t.login()).status).toBe(200);
    }
  });
});
