import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { AdminUser } from '../src/schemas/admin.js';
import type { LoginResponse, TokenResponse } from '../src/schemas/tokens.js';
import type { User } from '../src/schemas/user.js';
import { TOKEN_CACHE_PREFIX } from '../src/redis/redis-token-cache.js';
import { keysRotate } from '../src/cli/keys.js';
import type { ErrorEnvelope } from '../src/routes/error-handler.js';
import { startCluster, type ClusterInstance, type TestCluster } from './helpers/cluster.js';
import { createTestStore, databaseAvailable, testDatabases, type TestStore } from './helpers/databases.js';
import {
  eventually,
  openTestRedis,
  REDIS_TAG,
  redisAvailable,
  testRedisTarget,
  type TestRedis,
} from './helpers/redis.js';

const ADMIN_TOKEN = 'admin-token-for-cluster-tests';
const JSCODE2SESSION = '/sns/jscode2session';
const STABLE_TOKEN = '/cgi-bin/stable_token';
/** "At once": well under the 5 s session cache (which, with the injected clock standing still, would never expire). */
const FAN_OUT_BUDGET_MS = 2000;

const errorCode = (response: LightMyRequestResponse): string => response.json<ErrorEnvelope>().error.code;
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const kidOf = (accessToken: string): string | undefined => decodeProtectedHeader(accessToken).kid;
const generationOf = (refreshToken: string): string => refreshToken.split('.')[2]!;
const outcome = (response: LightMyRequestResponse): string =>
  response.statusCode === 200 ? 'ok' : errorCode(response);

/** Mints a code for a user (new unless `openid`) and logs it in on `instance`. */
async function loginOn(
  cluster: TestCluster,
  instance: ClusterInstance,
  openid?: string,
): Promise<LoginResponse & { openid: string }> {
  const minted = cluster.simulator.login({ appid: cluster.appid, ...(openid === undefined ? {} : { openid }) });
  const response = await instance.post('/v1/auth/login', {
    code: minted.code,
    appid: cluster.appid,
    loginNonce: randomBytes(8).toString('hex'),
  });
  expect(response.statusCode, response.body).toBe(200);
  return { ...response.json<LoginResponse>(), openid: minted.openid };
}

const redis = testRedisTarget();
const serverDatabases = testDatabases().filter((db) => db.backend !== 'sqlite');

describe.each(serverDatabases.map((db) => [db.tag, db] as const))(
  `%s ${REDIS_TAG} cluster: instances sharing one database, one Redis and one WeChat`,
  (_tag, db) => {
    if (!databaseAvailable(db)) return;
    if (!redisAvailable(redis)) return;

    let testStore: TestStore;
    let testRedis: TestRedis;
    // Every cluster on this database must open the signing key the first one sealed.
    const masterKey = randomBytes(32).toString('base64');
    let clusters = 0;

    /** A fresh cluster on this describe's database, in a Redis namespace of its own; stopped when the test ends. */
    async function cluster(size = 2): Promise<TestCluster> {
      clusters += 1;
      const started = await startCluster({
        testStore,
        redis: testRedis,
        namespace: `${db.backend}-${clusters}`,
        masterKey,
        size,
        env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      onTestFinished(() => started.close());
      return started;
    }

    beforeAll(async () => {
      testRedis = await openTestRedis(redis);
      testStore = await createTestStore(db);
    });
    afterAll(async () => {
      await testStore?.drop();
      await testRedis?.cleanup();
    });

    it('20 concurrent logins of one code over 3 instances → one jscode2session call, one user, one session', async () => {
      const c = await cluster(3);
      // WeChat answers slowly, so the other 19 requests really arrive while the first holds the code.
      c.simulator.setFaults({ latencyMs: 150, routes: [JSCODE2SESSION] });
      const { code, openid } = c.simulator.login({ appid: c.appid });
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          c.instances[i % 3]!.post('/v1/auth/login', { code, appid: c.appid, loginNonce: 'one-device-nonce' }),
        ),
      );
      expect(responses.map((r) => r.statusCode)).toEqual(Array<number>(20).fill(200));
      expect(c.simulator.stats()[JSCODE2SESSION]).toBe(1);

      const bodies = responses.map((r) => r.json<LoginResponse>());
      const first = bodies[0]!;
      expect(first.user.openid).toBe(openid);
      for (const body of bodies) {
        expect(body.user).toEqual(first.user);
        expect(body.refreshToken).toBe(first.refreshToken); // same session, generation 0
        expect(body.isNew).toBe(true);
      }
      expect((await c.instances[0]!.store.listUserSessions(first.user.id)).length).toBe(1);
      // Whichever instance answered, its token works on every instance.
      for (const [i, instance] of c.instances.entries()) {
        expect((await instance.get('/v1/me', bodies[(i + 1) % 3]!.accessToken)).statusCode).toBe(200);
      }
    });

    it('phone binds on every instance share one WeChat access token: one stable_token call for the cluster', async () => {
      const c = await cluster(3);
      const sessions = await Promise.all(c.instances.map((instance) => loginOn(c, instance)));
      // The token fetch is slow, so the other instances ask while the first holds the cluster lock.
      c.simulator.setFaults({ latencyMs: 150, routes: [STABLE_TOKEN] });
      const binds = await Promise.all(
        c.instances.map((instance, i) => {
          const s = sessions[i]!;
          const { code } = c.simulator.phoneCode({ appid: c.appid, openid: s.openid, phoneNumber: `1380013100${i}` });
          return instance.post('/v1/me/phone', { code }, bearer(s.accessToken));
        }),
      );
      expect(binds.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      expect(binds.map((r) => r.json<User>().phone)).toEqual(['+8613800131000', '+8613800131001', '+8613800131002']);
      expect(c.simulator.stats()).toMatchObject({
        [STABLE_TOKEN]: 1,
        '/cgi-bin/token': 0,
        '/wxa/business/getuserphonenumber': 3,
      });
      expect(await testRedis.admin.exists(`${c.keyPrefix}${TOKEN_CACHE_PREFIX}token:${c.appid}`)).toBe(1);

      // Later binds, anywhere, still use the cluster's token.
      c.simulator.clearFaults();
      const s = sessions[0]!;
      const { code } = c.simulator.phoneCode({ appid: c.appid, openid: s.openid, phoneNumber: '13800131009' });
      expect((await c.instances[2]!.post('/v1/me/phone', { code }, bearer(s.accessToken))).statusCode).toBe(200);
      expect(c.simulator.stats()[STABLE_TOKEN]).toBe(1);
    });

    it('one user binding a phone at A, B and C at once: one bind, the others 429 before WeChat (the lease holds across instances)', async () => {
      const c = await cluster(3);
      const s = await loginOn(c, c.instances[0]!);
      c.simulator.setFaults({ latencyMs: 200, routes: ['/wxa/business/getuserphonenumber'] });
      c.simulator.resetStats();
      const binds = await Promise.all(
        c.instances.map((instance, i) => {
          const { code } = c.simulator.phoneCode({ appid: c.appid, openid: s.openid, phoneNumber: `1380013200${i}` });
          return instance.post('/v1/me/phone', { code }, bearer(s.accessToken));
        }),
      );
      expect(binds.map(outcome).sort()).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'ok']);
      expect(c.simulator.stats()['/wxa/business/getuserphonenumber']).toBe(1);
    });

    it('revocation fan-out: a session ended on A is refused by B at once, through Redis, not after the 5 s cache', async () => {
      const c = await cluster(3);
      const [a, b, third] = c.instances as [ClusterInstance, ClusterInstance, ClusterInstance];
      const status = async (instance: ClusterInstance, token: string): Promise<string> =>
        outcome(await instance.get('/v1/me', token));
      /** Polls until every token is refused with `code` on B and C; answers how long it took. */
      const refusedEverywhere = async (tokens: string[], code: string): Promise<number> => {
        const started = performance.now();
        const held = await eventually(async () => {
          for (const token of tokens)
            for (const instance of [b, third]) if ((await status(instance, token)) !== code) return false;
          return true;
        }, 2 * FAN_OUT_BUDGET_MS);
        expect(held, `refused with ${code} on B and C`).toBe(true);
        return performance.now() - started;
      };
      const primed = async (token: string): Promise<void> => {
        for (const instance of [b, third]) expect(await status(instance, token)).toBe('ok');
      };

      // The control: a revocation written behind the service's back (no message) stays unseen for B's cache
      // lifetime — the clock is frozen, so only a message could end it sooner.
      const quiet = await loginOn(c, a);
      await primed(quiet.accessToken);
      await a.store.revokeSession(quiet.refreshToken.split('.')[1]!, 'logout', c.clock());
      expect(await status(b, quiet.accessToken)).toBe('ok');
      c.clock.advance(5001);
      expect(await status(b, quiet.accessToken)).toBe('UNAUTHORIZED');

      // Logout of one session on A.
      const single = await loginOn(c, a);
      await primed(single.accessToken);
      expect((await a.post('/v1/auth/logout', { refreshToken: single.refreshToken })).statusCode).toBe(204);
      expect(await refusedEverywhere([single.accessToken], 'UNAUTHORIZED')).toBeLessThan(FAN_OUT_BUDGET_MS);

      // Logout of every session of a user on A (two devices).
      const phone = await loginOn(c, a);
      const tablet = await loginOn(c, b, phone.openid);
      await primed(phone.accessToken);
      await primed(tablet.accessToken);
      expect((await a.post('/v1/auth/logout', { all: true }, bearer(phone.accessToken))).statusCode).toBe(204);
      expect(await refusedEverywhere([phone.accessToken, tablet.accessToken], 'UNAUTHORIZED')).toBeLessThan(
        FAN_OUT_BUDGET_MS,
      );

      // The admin API on A: revoke, then disable.
      const admin = (path: string): Promise<LightMyRequestResponse> =>
        a.app.inject({ method: 'POST', url: path, headers: bearer(ADMIN_TOKEN), payload: {} });
      const revoked = await loginOn(c, b);
      await primed(revoked.accessToken);
      expect((await admin(`/admin/api/users/${revoked.user.id}/revoke`)).json()).toEqual({ revoked: 1 });
      expect(await refusedEverywhere([revoked.accessToken], 'UNAUTHORIZED')).toBeLessThan(FAN_OUT_BUDGET_MS);

      const disabled = await loginOn(c, third);
      await primed(disabled.accessToken);
      expect((await admin(`/admin/api/users/${disabled.user.id}/disable`)).json<AdminUser>().status).toBe('disabled');
      expect(await refusedEverywhere([disabled.accessToken], 'USER_DISABLED')).toBeLessThan(FAN_OUT_BUDGET_MS);
    });

    it('signing keys: B verifies what A signed; after `wxlogin keys rotate`, A signs with the new key and B accepts it at once (unknown kid re-read)', async () => {
      const c = await cluster(2);
      const [a, b] = c.instances as [ClusterInstance, ClusterInstance];
      const before = await loginOn(c, a);
      const oldKid = kidOf(before.accessToken);
      expect((await b.get('/v1/me', before.accessToken)).statusCode).toBe(200);

      // The command itself (what `wxlogin keys rotate` runs), with its report line kept out of the test output.
      const printed: string[] = [];
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        printed.push(String(chunk));
        return true;
      });
      const rotated = await keysRotate({ env: c.env }).finally(() => stdout.mockRestore());
      expect(printed.join('')).toContain(`${rotated?.kid} (ES256) signs from now on`);
      expect(rotated).toBeDefined();
      expect(rotated!.kid).not.toBe(oldKid);
      expect(rotated!.retired).toContain(oldKid);

      // Running instances switch within their 60 s re-read: move the shared clock past it, then A's signing picks
      // the new key up (its re-read runs in the background, so allow a few logins).
      c.clock.advance(61_000);
      let after: LoginResponse | undefined;
      for (let attempt = 0; attempt < 20; attempt++) {
        after = await loginOn(c, a);
        if (kidOf(after.accessToken) === rotated!.kid) break;
        await sleep(20);
      }
      expect(kidOf(after!.accessToken)).toBe(rotated!.kid);

      // B has not re-read since the rotation: the first request with the new kid must make it re-read at once.
      const verified = await b.get('/v1/me', after!.accessToken);
      expect(verified.statusCode, verified.body).toBe(200);
      expect(verified.json<User>().id).toBe(after!.user.id);
      // The retired key still verifies the tokens it signed, on both instances.
      for (const instance of [a, b]) expect((await instance.get('/v1/me', before.accessToken)).statusCode).toBe(200);
      const jwks = (await b.get('/.well-known/jwks.json')).json<{ keys: { kid: string }[] }>();
      expect(jwks.keys.map((k) => k.kid).sort()).toEqual([oldKid, rotated!.kid].sort());
    });

    it('refresh race across instances: the same refresh token at A and B at once → both get the same successor', async () => {
      const c = await cluster(2);
      const [a, b] = c.instances as [ClusterInstance, ClusterInstance];
      const session = await loginOn(c, a);
      let refreshToken = session.refreshToken;
      for (let round = 1; round <= 5; round++) {
        const [fromA, fromB] = await Promise.all([
          a.post('/v1/auth/refresh', { refreshToken }),
          b.post('/v1/auth/refresh', { refreshToken }),
        ]);
        // Outcomes only: a 200 body carries tokens, which don't belong in a failure message.
        expect([fromA, fromB].map(outcome)).toEqual(['ok', 'ok']);
        const [nextA, nextB] = [fromA.json<TokenResponse>(), fromB.json<TokenResponse>()];
        expect(nextA.refreshToken).toBe(nextB.refreshToken);
        expect(generationOf(nextA.refreshToken)).toBe(String(round));
        for (const next of [nextA, nextB]) expect((await b.get('/v1/me', next.accessToken)).statusCode).toBe(200);
        refreshToken = nextA.refreshToken;
      }
      const row = await a.store.getSession(refreshToken.split('.')[1]!);
      expect(row).toMatchObject({ generation: 5, revokedAt: null });
    });
  },
);
