import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEV_APPID, createSimulator, type Simulator } from '@wxlogin/simulator';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { databaseUrlOf } from './helpers/cluster.js';
import { loginCodeHash, snapshotDatabase, type DatabaseSnapshot } from './helpers/database-snapshot.js';
import { createTestStore, databaseAvailable, testDatabases, type TestStore } from './helpers/databases.js';
import { DeviceClient, NoAnswer, errorCode, type Answer, type DeviceRequest } from './helpers/device-client.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';

// What a SIGKILL of `wxlogin serve` (OOM killer, node eviction, kill -9) may cost: nothing but the answers it cut.
// Set WXLOGIN_TEST_CRASH_SEED to replay another run's kill moments and request mix.
const SEED = Number(process.env['WXLOGIN_TEST_CRASH_SEED'] ?? 20250615);
const CRASHES = 3;
const FIRST_DEVICES = 10;
const DEVICES_PER_LATER_CRASH = 3;
/** Logins and phone binds spend this at "WeChat", so a kill often finds them mid-call with their memo pending. */
const WECHAT_LATENCY_MS = 25;
const LOAD_REQUESTS_MAX = 400;
const LOAD_TIME_LIMIT_MS = 10_000;
/**
 * How long past the WeChat budget a device keeps retrying a login answered 5xx (following `Retry-After`): the service
 * takes a dead request's claim over once it is older than the budget plus its margin (5 s).
 */
const LOGIN_RECOVERY_MS = 8000;
/** WeChat's answer to a code redeemed before. */
const CODE_BEEN_USED = 40163;

interface CrashPlan {
  /** The kill comes after this many answered requests… */
  killAfter: number;
  /** …plus this many milliseconds, so it lands at a different stage of the requests in flight each time. */
  jitterMs: number;
}

function crashPlans(seed: number): CrashPlan[] {
  const [plan] = fc.sample(
    fc.noBias(
      fc.record({
        killAfter: fc.uniqueArray(fc.integer({ min: 12, max: 40 }), { minLength: CRASHES, maxLength: CRASHES }),
        jitterMs: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: CRASHES, maxLength: CRASHES }),
      }),
    ),
    { seed, numRuns: 1 },
  );
  return plan!.killAfter.map((killAfter, i) => ({ killAfter, jitterMs: plan!.jitterMs[i]! }));
}

function seededDraws(seed: number): () => number {
  const values = fc.sample(fc.noBias(fc.integer({ min: 0, max: 999 })), { seed, numRuns: 64 });
  let next = 0;
  return () => values[next++ % values.length]! / 1000;
}

/** Figures of one crash, printed per backend. */
interface CrashFigures {
  killAfter: number;
  jitterMs: number;
  inFlightAtKill: number;
  cut: Record<string, number>;
  /** The memo row a cut login left behind: none (never claimed), pending (killed mid-WeChat), done (answer lost). */
  cutLoginMemos: Record<string, number>;
  /** Refreshes the killed process committed whose answer never reached the device. */
  lostRotations: number;
  /** Pending memo rows the kill left (the retries must take each one over), and the oldest one's age then. */
  pendingLeft: number;
  oldestPendingMs: number;
  restartMs: number;
  retries: Record<string, number>;
  /** Longest time from a lost rotation to its retry: it must stay inside the grace window. */
  maxRotationToRetryMs: number;
}

/** `200`, or the status and the error code. */
const outcome = (answer: Answer): string => (answer.status === 200 ? '200' : `${answer.status} ${errorCode(answer)}`);
const count = (tally: Record<string, number>, key: string): void => void (tally[key] = (tally[key] ?? 0) + 1);
const show = (tally: Record<string, number>): string =>
  Object.entries(tally)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ') || 'none';

// The embedded file database and one server database: MariaDB runs the same store code as PostgreSQL's pool path, and
// the suite must stay under a minute.
const crashDatabases = testDatabases()
  .filter((db) => db.backend !== 'mariadb')
  .map((db) => [db.tag, db] as const);

describe.each(crashDatabases)('%s wxlogin serve SIGKILLed under load, restarted on the same database', (tag, db) => {
  if (!databaseAvailable(db)) return;

  let simulator: Simulator;
  let testStore: TestStore;
  let serve: ServeProcess | undefined;
  const appSecret = randomBytes(16).toString('hex');
  const masterKey = randomBytes(32).toString('base64');
  let env: Record<string, string>;

  beforeAll(async () => {
    simulator = createSimulator({ devSecret: appSecret });
    await simulator.listen({ port: 0 });
    simulator.setFaults({
      latencyMs: WECHAT_LATENCY_MS,
      routes: ['/sns/jscode2session', '/wxa/business/getuserphonenumber'],
    });
    testStore = await createTestStore(db);
    env = {
      WXLOGIN_APPS: `${DEV_APPID}:${appSecret}`,
      WXLOGIN_MASTER_KEY: masterKey,
      WXLOGIN_DATABASE_URL: databaseUrlOf(testStore),
      WXLOGIN_WECHAT_BASE_URL: simulator.url,
      // A short WeChat budget (the simulator answers in 25 ms): a dead request's claim turns stale sooner.
      WXLOGIN_WECHAT_TIMEOUT_MS: '500',
      WXLOGIN_LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    await serve?.stop();
    await testStore?.drop();
    await simulator?.close();
  });

  it('3 seeded SIGKILLs amid logins, refreshes and phone binds: each cut request, retried at once after a fast restart, gets its answer or a true CODE_ALREADY_USED (after an honest 503 + Retry-After while a dead claim is young) — no other 5xx, no false REFRESH_TOKEN_REUSED, no duplicate user, no pending login code left, every session where its device last saw it', async () => {
    const config = loadConfig({ env });
    const graceMs = config.refreshGraceS * 1000;
    const plans = crashPlans(SEED);
    const problems: string[] = [];
    const devices: DeviceClient[] = [];
    const figures: CrashFigures[] = [];
    const outputs: string[] = [];
    let falseReuseAlarms = 0;
    let fiveXxAfterRestart = 0;
    /** Logins answered 503 + Retry-After while the killed request's claim was too young to take over. */
    let interimUnavailable = 0;
    let duplicates = 0;
    let pendingAfterRetries = 0;

    const addDevices = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const index = devices.length;
        devices.push(
          new DeviceClient({
            name: `device ${index}`,
            appid: DEV_APPID,
            simulator,
            phoneNumbers: [`1390000${String(index).padStart(4, '0')}`, `1380000${String(index).padStart(4, '0')}`],
            draw: seededDraws(SEED * 100 + index),
          }),
        );
      }
    };

    /** Runs every device's request loop against `target` until the plan's kill, and answers who was in flight. */
    const loadUntilKill = async (target: ServeProcess, plan: CrashPlan, where: string): Promise<number> => {
      let answered = 0;
      let dispatched = 0;
      let killed = false;
      let inFlightAtKill = 0;
      let gone: Promise<void> | undefined;
      const inFlight = new Set<DeviceClient>();
      const kill = (): void => {
        if (killed) return;
        killed = true;
        inFlightAtKill = inFlight.size;
        gone = target.kill();
      };
      const deadline = Date.now() + LOAD_TIME_LIMIT_MS;
      const work = async (device: DeviceClient): Promise<void> => {
        while (!killed && dispatched < LOAD_REQUESTS_MAX && Date.now() < deadline) {
          const request = device.nextRequest();
          dispatched += 1;
          inFlight.add(device);
          let answer: Answer;
          try {
            answer = await device.send(target.url, request);
          } catch (error) {
            if (killed && error instanceof NoAnswer) device.cut = request;
            else problems.push(`${where}: ${device.name} ${request.kind} before the kill: ${String(error)}`);
            return;
          } finally {
            inFlight.delete(device);
          }
          problems.push(...device.accept(request, answer).map((p) => `${where}: ${p}`));
          answered += 1;
          if (answered === plan.killAfter) setTimeout(kill, plan.jitterMs);
        }
      };
      await Promise.all(devices.map(work));
      if (!killed) {
        problems.push(`${where}: the load ended after ${answered} answers, before the kill after ${plan.killAfter}`);
        kill();
      }
      await gone;
      return inFlightAtKill;
    };

    /** Right after the kill: the database holds what the devices were answered, or a step a cut request took. */
    const everCutLogins = new Set<string>();
    const checkAtKill = (at: DatabaseSnapshot, figure: CrashFigures, where: string): void => {
      const cutLoginHashes = new Set<string>();
      for (const device of devices) {
        const cut = device.cut;
        if (cut?.kind === 'login') cutLoginHashes.add(loginCodeHash(device.appid, cut.code));
        for (const session of device.sessions.values()) {
          const row = at.sessions.get(session.sessionId);
          const lostRotation =
            cut?.kind === 'refresh' &&
            cut.sessionId === session.sessionId &&
            row?.generation === session.generation + 1;
          if (row === undefined || row.revokedAt !== null) {
            problems.push(`${where}: ${device.name}'s session ${session.sessionId} is ${row ? 'revoked' : 'missing'}`);
          } else if (lostRotation) {
            figure.lostRotations += 1;
            if (at.takenAt - row.rotatedAt > graceMs) problems.push(`${where}: ${device.name}: a stale lost rotation`);
          } else if (row.generation !== session.generation) {
            problems.push(`${where}: ${device.name}'s session at ${row.generation}, device at ${session.generation}`);
          }
        }
      }
      const known = new Set(devices.flatMap((d) => [...d.sessions.keys()]));
      const committedByCutLogins = new Set<string>();
      for (const hash of cutLoginHashes) {
        everCutLogins.add(hash);
        const memo = at.loginCodes.get(hash);
        count(figure.cutLoginMemos, memo?.state ?? 'none');
        if (memo?.sessionId) committedByCutLogins.add(memo.sessionId);
      }
      for (const [id] of at.sessions) {
        if (!known.has(id) && !committedByCutLogins.has(id)) {
          problems.push(`${where}: session ${id} belongs to no device and no cut login`);
        }
      }
      for (const [hash, memo] of at.loginCodes) {
        if (memo.state !== 'pending') continue;
        // Rows an earlier crash left and its retries did not settle were reported then.
        if (!cutLoginHashes.has(hash)) {
          if (!everCutLogins.has(hash)) problems.push(`${where}: a pending login code belongs to no cut login`);
          continue;
        }
        figure.pendingLeft += 1;
        figure.oldestPendingMs = Math.max(figure.oldestPendingMs, at.takenAt - memo.createdAt);
      }
    };

    /** WeChat's own answer to the code now: proves (or disproves) that a CODE_ALREADY_USED was true. */
    const wechatErrcode = async (code: string): Promise<number> => {
      const query = new URLSearchParams({
        appid: DEV_APPID,
        secret: appSecret,
        js_code: code,
        grant_type: 'authorization_code',
      });
      const answer = await fetch(`${simulator.url}/sns/jscode2session?${query}`);
      return ((await answer.json()) as { errcode?: number }).errcode ?? 0;
    };

    /** One device's retry of its cut request against the restarted service. */
    interface Retry {
      device: DeviceClient;
      /** What the database held right after the kill. */
      at: DatabaseSnapshot;
      figure: CrashFigures;
      /** Sends a request; counts a 5xx; answers undefined (a problem) when no answer came. */
      send(request: DeviceRequest): Promise<Answer | undefined>;
      /** Records problems of this retry. */
      report(found: string[]): void;
    }

    type Cut<K extends DeviceRequest['kind']> = DeviceRequest & { kind: K };

    const retryRefresh = async ({ device, at, figure, send, report }: Retry, cut: Cut<'refresh'>): Promise<void> => {
      const row = at.sessions.get(cut.sessionId);
      const lost = row?.generation === cut.generation + 1;
      if (lost) figure.maxRotationToRetryMs = Math.max(figure.maxRotationToRetryMs, Date.now() - row.rotatedAt);
      const answer = await send(cut);
      if (answer === undefined) return;
      if (errorCode(answer) === 'REFRESH_TOKEN_REUSED') falseReuseAlarms += 1;
      report(device.accept(cut, answer));
      const how = lost ? 'lost rotation, answered again in grace' : 'rotated now';
      count(figure.retries, `refresh ${outcome(answer)} (${how})`);
    };

    const retryPhone = async ({ device, figure, send, report }: Retry, cut: Cut<'phone'>): Promise<void> => {
      // The tap's code may have been redeemed by the killed process: the user taps again.
      const again = device.phoneBind(cut.phoneNumber);
      const answer = await send(again);
      if (answer?.status !== 200) device.stopPhoneBinds();
      if (answer === undefined) return;
      // The device sends one request at a time: the only other bind of this user is the one the kill cut. Until
      // that bind's lease expires the cluster cannot tell it died, and says so plainly: 429 with Retry-After, before
      // the fresh code reaches WeChat (it stays usable for the next tap). Anything else must be the bind.
      if (answer.status === 429 && errorCode(answer) === 'RATE_LIMITED' && answer.retryAfterSeconds !== undefined) {
        count(figure.retries, 'phone 429 RATE_LIMITED (a bind died with the killed process; its lease still runs)');
        return;
      }
      report(device.accept(again, answer));
      count(figure.retries, `phone ${outcome(answer)} (fresh code)`);
    };

    const retryLogin = async ({ device, at, figure, send, report }: Retry, cut: Cut<'login'>): Promise<void> => {
      const memo = at.loginCodes.get(loginCodeHash(device.appid, cut.code));
      const label = `memo ${memo?.state ?? 'none'}`;
      // While the killed request's claim is younger than the WeChat budget plus its margin, the service cannot tell a
      // dead request from a slow one and answers what it knows: 503 WECHAT_UNAVAILABLE with Retry-After. The device
      // goes on as the SDK does (same code and nonce after Retry-After); past the window the claim is taken over and
      // the login must end in its answer. A 503 without Retry-After, any other 5xx, or one after the window fails.
      const giveUpAt = Date.now() + config.wechatTimeoutMs + LOGIN_RECOVERY_MS;
      let answer = await send(cut);
      let unavailable = 0;
      while (answer !== undefined && answer.status >= 500 && Date.now() < giveUpAt) {
        unavailable += 1;
        if (answer.status !== 503 || answer.retryAfterSeconds === undefined) {
          report([`${device.name} login (${label}): ${answer.status} ${errorCode(answer)}`]);
        } else interimUnavailable += 1;
        await sleep(Math.min(answer.retryAfterSeconds ?? 1, 10) * 1000);
        answer = await send(cut);
      }
      if (answer === undefined) return;
      if (answer.status >= 500)
        report([`${device.name} login (${label}): still ${answer.status} after the takeover window`]);
      const after = unavailable === 0 ? '' : `${answer.status >= 500 ? 'still ' : 'after '}${unavailable}× 5xx, `;
      if (errorCode(answer) !== 'CODE_ALREADY_USED') {
        report(device.accept(cut, answer));
        if (answer.status === 200 && memo?.state === 'done' && device.newest?.sessionId !== memo.sessionId) {
          report([`${device.name} login: a new session instead of the committed one replayed`]);
        }
        count(figure.retries, `login ${after}${outcome(answer)} (${label})`);
        return;
      }
      if (memo?.state === 'done') report([`${device.name} login: CODE_ALREADY_USED for a committed login`]);
      const errcode = await wechatErrcode(cut.code);
      if (errcode !== CODE_BEEN_USED) report([`${device.name} login: false CODE_ALREADY_USED, WeChat says ${errcode}`]);
      // What the SDK does on CODE_ALREADY_USED: a fresh wx.login(), then a login with the new code.
      const fresh = device.freshLogin();
      const second = await send(fresh);
      if (second !== undefined) report(device.accept(fresh, second));
      const then = second === undefined ? 'no answer' : outcome(second);
      count(figure.retries, `login ${after}CODE_ALREADY_USED (${label}, spent at WeChat), then a fresh login ${then}`);
    };

    /** The device sends its cut request again, as the SDK does, to the restarted service at `url`. */
    const retry = async (
      device: DeviceClient,
      url: string,
      at: DatabaseSnapshot,
      figure: CrashFigures,
      where: string,
    ): Promise<void> => {
      const cut = device.cut!;
      device.cut = undefined;
      const report = (found: string[]): void => void problems.push(...found.map((p) => `${where} retry: ${p}`));
      const send = async (request: DeviceRequest): Promise<Answer | undefined> => {
        try {
          const answer = await device.send(url, request);
          // Counted here, judged where the request kind is known (an interim 503 of a login is honest).
          if (answer.status >= 500) fiveXxAfterRestart += 1;
          return answer;
        } catch (error) {
          report([`${device.name} ${request.kind} got no answer: ${String(error)}`]);
          return undefined;
        }
      };
      const context: Retry = { device, at, figure, send, report };
      if (cut.kind === 'refresh') return retryRefresh(context, cut);
      if (cut.kind === 'phone') return retryPhone(context, cut);
      return retryLogin(context, cut);
    };

    /** After the retries: every device's view and the database agree, whole. */
    const checkAfterRetries = (after: DatabaseSnapshot, crash: number): void => {
      duplicates += after.duplicateUsers.length;
      const where = `after the retries of crash ${crash + 1}`;
      if (after.users.length !== devices.length) {
        problems.push(`${where}: ${after.users.length} users for ${devices.length} devices`);
      }
      const known = new Set<string>();
      for (const device of devices) {
        const rows = after.users.filter((u) => u.appid === device.appid && u.openid === device.openid);
        if (rows.length !== 1 || rows[0]!.id !== device.userId) {
          problems.push(`${where}: ${device.name} has ${rows.length} user rows`);
        }
        if (rows[0] !== undefined && device.boundPhone !== undefined && rows[0].phoneE164 !== device.boundPhone) {
          problems.push(`${where}: ${device.name}'s phone in the database is not the one it was answered`);
        }
        for (const session of device.sessions.values()) {
          known.add(session.sessionId);
          const row = after.sessions.get(session.sessionId);
          if (row === undefined || row.revokedAt !== null || row.generation !== session.generation) {
            const state = row ? `${row.revokedAt === null ? 'live' : 'revoked'} at ${row.generation}` : 'missing';
            problems.push(`${where}: ${device.name}'s session is ${state}, the device holds ${session.generation}`);
          }
        }
      }
      for (const [id] of after.sessions) {
        if (!known.has(id)) problems.push(`${where}: session ${id} belongs to no device`);
      }
      const pending = [...after.loginCodes.values()].filter((memo) => memo.state === 'pending').length;
      pendingAfterRetries += pending;
      if (pending > 0) problems.push(`${where}: ${pending} login codes still pending`);
      if (after.reuseAlarms > 0) problems.push(`${where}: ${after.reuseAlarms} refresh.reuse_detected audit events`);
    };

    serve = await startServe(env);
    for (let crash = 0; crash < CRASHES; crash++) {
      addDevices(crash === 0 ? FIRST_DEVICES : DEVICES_PER_LATER_CRASH);
      const plan = plans[crash]!;
      const figure: CrashFigures = {
        ...plan,
        inFlightAtKill: 0,
        cut: {},
        cutLoginMemos: {},
        lostRotations: 0,
        pendingLeft: 0,
        oldestPendingMs: 0,
        restartMs: 0,
        retries: {},
        maxRotationToRetryMs: 0,
      };
      figures.push(figure);
      const where = `crash ${crash + 1}`;
      figure.inFlightAtKill = await loadUntilKill(serve, plan, `${where} load`);
      outputs.push(serve.output());
      const cutDevices = devices.filter((d) => d.cut !== undefined);
      for (const device of cutDevices) count(figure.cut, device.cut!.kind);
      const atKill = await snapshotDatabase(testStore);
      checkAtKill(atKill, figure, `${where} at the kill`);

      serve = await startServe(env);
      figure.restartMs = serve.startMs;
      const url = serve.url;
      await Promise.all(cutDevices.map((device) => retry(device, url, atKill, figure, where)));
      checkAfterRetries(await snapshotDatabase(testStore), crash);
    }
    expect(await serve.stop(), 'the last restarted process stops gracefully').toBe(0);
    outputs.push(serve.output());
    serve = undefined;

    const lines = [`${tag} crash suite, seed ${SEED}: ${figures.length} SIGKILLs, ${devices.length} devices`];
    figures.forEach((f, i) => {
      lines.push(
        `  crash ${i + 1}: after ${f.killAfter} answers +${f.jitterMs} ms; in flight ${f.inFlightAtKill}, ` +
          `cut ${show(f.cut)}; cut logins' memo ${show(f.cutLoginMemos)}; lost rotations ${f.lostRotations}; ` +
          `pending rows left ${f.pendingLeft} (oldest ${f.oldestPendingMs} ms); restart ${f.restartMs} ms`,
        `    retries: ${show(f.retries)}`,
        `    longest lost rotation → retry ${f.maxRotationToRetryMs} ms (grace ${graceMs} ms)`,
      );
    });
    const retries = figures.reduce((n, f) => n + Object.values(f.retries).reduce((a, b) => a + b, 0), 0);
    lines.push(
      `  totals: crashes ${figures.length}, retries ${retries}, false reuse alarms ${falseReuseAlarms}, ` +
        `duplicates ${duplicates}, 5xx after restart ${fiveXxAfterRestart} (of them interim 503 + Retry-After of a young dead claim: ${interimUnavailable}), ` +
        `pending login codes after the retries ${pendingAfterRetries}`,
    );
    console.log(lines.join('\n'));

    // Secrets never reach a log line, even from a process killed mid-request.
    const logs = outputs.join('\n');
    const secrets = [masterKey, appSecret];
    for (const device of devices) {
      for (const session of device.sessions.values()) secrets.push(session.refreshToken, session.accessToken);
      const wechatUser = device.openid === undefined ? undefined : simulator.getUser(DEV_APPID, device.openid);
      if (wechatUser !== undefined) secrets.push(wechatUser.sessionKey);
    }
    expect(secrets.filter((secret) => logs.includes(secret)).length, 'secrets in the log').toBe(0);

    expect(problems).toEqual([]);
    expect(falseReuseAlarms).toBe(0);
    expect(duplicates).toBe(0);
    expect(fiveXxAfterRestart - interimUnavailable, '5xx other than the interim 503 of a young dead claim').toBe(0);
    expect(pendingAfterRetries).toBe(0);
    // The suite proves something only if the kills cut requests, among them logins caught mid-WeChat-call.
    for (const f of figures) expect(Object.keys(f.cut).length, 'requests cut by each kill').toBeGreaterThan(0);
    expect(
      figures.reduce((n, f) => n + f.pendingLeft, 0),
      'pending memo rows left by the kills',
    ).toBeGreaterThan(0);
  }, 55_000);
});
