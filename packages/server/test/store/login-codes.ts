import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { T0, MINUTE, DAY, newId, hex, newAppid, newOpenid, login } from './fixtures.js';
import type { StoreSuite } from './store-suite.js';

/** The login memo: claims, takeovers, failures and the claim fence. */
export function loginCodeTests(suite: StoreSuite): void {
  const { db } = suite;
  describe(`${db.tag} login memo`, () => {
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('10 concurrent claims of one code: exactly one wins', async () => {
      const codeHash = hex();
      const appid = newAppid();
      const claims = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.claimLoginCode({ codeHash, appid, nonceHash: null, createdAt: T0, expiresAt: T0 + MINUTE }),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.getLoginCode(codeHash)).toMatchObject({ codeHash, appid, state: 'pending', userId: null });
    });

    it('a failed code keeps its error; delete removes only a pending row', async () => {
      const appid = newAppid();
      const pending = hex();
      const failed = hex();
      for (const codeHash of [pending, failed]) {
        await store.claimLoginCode({ codeHash, appid, nonceHash: hex(), createdAt: T0, expiresAt: T0 + MINUTE });
      }
      await store.failLoginCode(failed, '{"code":"INVALID_CODE"}');
      await store.deleteLoginCode(failed);
      await store.deleteLoginCode(pending);
      expect(await store.getLoginCode(pending)).toBeUndefined();
      expect(await store.getLoginCode(failed)).toMatchObject({
        state: 'failed',
        failureJson: '{"code":"INVALID_CODE"}',
      });
    });

    it('a code left pending by a dead request: of 10 concurrent takeovers exactly one wins, and the dead claim can no longer finish the row', async () => {
      const appid = newAppid();
      const codeHash = hex();
      await store.claimLoginCode({ codeHash, appid, nonceHash: hex(), createdAt: T0, expiresAt: T0 + 5 * MINUTE });
      expect(await store.getLoginCode(codeHash)).toMatchObject({ state: 'pending', claimedAt: T0 });
      const now = T0 + MINUTE;
      const nonceHash = hex();
      const takers = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.takeOverLoginCode({ codeHash, staleBefore: now - 10_000, claimedAt: now, nonceHash }),
        ),
      );
      expect(takers.filter(Boolean)).toHaveLength(1);
      expect(await store.getLoginCode(codeHash)).toMatchObject({
        state: 'pending',
        claimedAt: now,
        nonceHash,
        createdAt: T0,
      });

      // The dead request's writes, were it to wake up, touch nothing: the row belongs to the taker now.
      await store.failLoginCode(codeHash, '{"code":"INVALID_CODE"}', T0);
      await store.deleteLoginCode(codeHash, T0);
      expect(await store.getLoginCode(codeHash)).toMatchObject({ state: 'pending', claimedAt: now, failureJson: null });
      await store.failLoginCode(codeHash, '{"code":"CODE_ALREADY_USED"}', now);
      expect(await store.getLoginCode(codeHash)).toMatchObject({
        state: 'failed',
        failureJson: '{"code":"CODE_ALREADY_USED"}',
      });
    });

    it('a fresh pending row, a done row and a failed row are never taken over', async () => {
      const appid = newAppid();
      const fresh = hex();
      await store.claimLoginCode({
        codeHash: fresh,
        appid,
        nonceHash: null,
        createdAt: T0,
        expiresAt: T0 + 5 * MINUTE,
      });
      expect(
        await store.takeOverLoginCode({ codeHash: fresh, staleBefore: T0, claimedAt: T0 + 1, nonceHash: null }),
      ).toBe(false);
      const done = await login(store, { appid, openid: newOpenid() });
      expect(
        await store.takeOverLoginCode({
          codeHash: done.input.codeHash,
          staleBefore: T0 + DAY,
          claimedAt: T0 + DAY,
          nonceHash: null,
        }),
      ).toBe(false);
      const failed = hex();
      await store.claimLoginCode({
        codeHash: failed,
        appid,
        nonceHash: null,
        createdAt: T0,
        expiresAt: T0 + 5 * MINUTE,
      });
      await store.failLoginCode(failed, '{"code":"INVALID_CODE"}', T0);
      expect(
        await store.takeOverLoginCode({
          codeHash: failed,
          staleBefore: T0 + DAY,
          claimedAt: T0 + DAY,
          nonceHash: null,
        }),
      ).toBe(false);
      expect(
        await store.takeOverLoginCode({ codeHash: hex(), staleBefore: T0 + DAY, claimedAt: T0 + DAY, nonceHash: null }),
      ).toBe(false);
    });

    it('a login taken over while it was at WeChat still creates its session, but leaves the memo to the taker', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const first = await login(store, { appid, openid });
      // The same steps as `login`, with a takeover between the claim and completeLogin.
      const codeHash = hex();
      await store.claimLoginCode({ codeHash, appid, nonceHash: null, createdAt: T0, expiresAt: T0 + 5 * MINUTE });
      expect(
        await store.takeOverLoginCode({ codeHash, staleBefore: T0 + 1, claimedAt: T0 + MINUTE, nonceHash: null }),
      ).toBe(true);
      const late = await store.completeLogin({
        ...first.input,
        codeHash,
        claimedAt: T0,
        session: { ...first.input.session, id: newId() },
      });
      expect(late).toMatchObject({ sessionCreated: true, user: { id: first.user.id } });
      expect(await store.getLoginCode(codeHash)).toMatchObject({
        state: 'pending',
        claimedAt: T0 + MINUTE,
        sessionId: null,
      });
      const taker = await store.completeLogin({
        ...first.input,
        codeHash,
        claimedAt: T0 + MINUTE,
        session: { ...first.input.session, id: newId() },
      });
      expect(await store.getLoginCode(codeHash)).toMatchObject({
        state: 'done',
        sessionId: expect.any(String),
        userId: taker.user.id,
      });
    });
  });
}
