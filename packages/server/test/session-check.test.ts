import { describe, expect, it } from 'vitest';
import { createSessionCheck } from '../src/auth/session-check.js';
import type { Store } from '../src/store/types.js';
import { createTestApp } from './helpers/test-app.js';

const sessionOf = (refreshToken: string) => refreshToken.split('.')[1]!;

/**
 * The real store, whose `getSession` reads the row at once but answers only when `release()` is called: a judgement
 * is then provably in flight while the test acts.
 */
function holdSessionAnswers(store: Store): { store: Store; release(): void } {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const wrapped = new Proxy(store, {
    get(target, property) {
      if (property === 'getSession') {
        return async (id: string) => {
          const row = await target.getSession(id);
          await held;
          return row;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, release };
}

describe('session check [sqlite]', () => {
  it("a token naming another user's live sid is UNAUTHORIZED while that sid's own check is in flight", async () => {
    const t = await createTestApp();
    const owner = await t.login();
    const other = await t.login();
    const sid = sessionOf(owner.body.refreshToken);
    const held = holdSessionAnswers(t.store);
    const check = createSessionCheck({ store: held.store, clock: t.clock });

    const genuine = check.assertAlive({ sub: owner.body.user.id, sid, appid: t.appid });
    const riding = check.assertAlive({ sub: other.body.user.id, sid, appid: t.appid });
    held.release();
    await expect(genuine).resolves.toBeUndefined();
    await expect(riding).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // And not from the cache either, once the genuine verdict is in it.
    await expect(check.assertAlive({ sub: other.body.user.id, sid, appid: t.appid })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(check.assertAlive({ sub: owner.body.user.id, sid, appid: t.appid })).resolves.toBeUndefined();
  });

  it('a session revoked while its check is in flight is not cached alive: the next check is UNAUTHORIZED at once', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const sid = sessionOf(body.refreshToken);
    const held = holdSessionAnswers(t.store);
    const check = createSessionCheck({ store: held.store, clock: t.clock });

    const before = check.assertAlive({ sub: body.user.id, sid, appid: t.appid }); // has read the live row already
    await t.store.revokeSession(sid, 'logout', t.clock());
    check.forgetSession(sid);
    held.release();
    await expect(before).resolves.toBeUndefined(); // it began before the revocation
    await expect(check.assertAlive({ sub: body.user.id, sid, appid: t.appid })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('a verdict is cached for ttlMs on the injected clock, then judged again; maxEntries bounds the cache', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const sid = sessionOf(body.refreshToken);
    let reads = 0;
    const counting = new Proxy(t.store, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (property === 'getSession') reads += 1;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const check = createSessionCheck({ store: counting, clock: t.clock, ttlMs: 1000, maxEntries: 1 });
    const claims = { sub: body.user.id, sid, appid: t.appid };

    await check.assertAlive(claims);
    t.clock.advance(1000); // at most ttlMs old: still cached
    await check.assertAlive(claims);
    expect(reads).toBe(1);
    t.clock.advance(1); // older than ttlMs
    await check.assertAlive(claims);
    expect(reads).toBe(2);

    // A second key pushes the first out of a cache of one.
    const other = await t.login();
    await check.assertAlive({ sub: other.body.user.id, sid: sessionOf(other.body.refreshToken), appid: t.appid });
    expect(reads).toBe(3);
    await check.assertAlive(claims);
    expect(reads).toBe(4);

    // forgetUser drops the user's entries, fresh ones included.
    check.forgetUser(body.user.id);
    await check.assertAlive(claims);
    expect(reads).toBe(5);
  });
});
