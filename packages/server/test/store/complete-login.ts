import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { T0, ABSOLUTE_TTL, hex, newAppid, newOpenid, login } from './fixtures.js';
import type { StoreSuite } from './store-suite.js';

/** `completeLogin`: find-or-create, unionid hand-over, disabled users, exact BIGINTs. */
export function completeLoginTests(suite: StoreSuite): void {
  const { db } = suite;
  describe(`${db.tag} completeLogin`, () => {
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('creates the user on first login and finds it on the next', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const first = await login(store, { appid, openid });
      expect(first.isNew).toBe(true);
      expect(first.sessionCreated).toBe(true);
      expect(first.user).toMatchObject({ id: first.input.newUserId, appid, openid, status: 'active', unionid: null });
      expect(await store.getLoginCode(first.input.codeHash)).toMatchObject({
        state: 'done',
        userId: first.user.id,
        sessionId: first.input.session.id,
      });
      expect(await store.getSessionKeySealed(appid, openid)).toBe(first.input.sessionKeySealed);
      expect(await store.getSession(first.input.session.id)).toMatchObject({ userId: first.user.id, generation: 0 });

      const second = await login(store, { appid, openid, now: T0 + 1000 });
      expect(second.isNew).toBe(false);
      expect(second.user.id).toBe(first.user.id);
      expect(second.user.lastLoginAt).toBe(T0 + 1000);
      expect(await store.getSessionKeySealed(appid, openid)).toBe(second.input.sessionKeySealed);
      expect(await store.getUserByOpenid(appid, openid)).toEqual(second.user);
    });

    it('concurrent first logins of one openid make one user', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const results = await Promise.all(Array.from({ length: 5 }, () => login(store, { appid, openid })));
      expect(new Set(results.map((r) => r.user.id)).size).toBe(1);
      expect(results.filter((r) => r.isNew)).toHaveLength(1);
    });

    it('unionid: set when first returned, kept when absent, overwritten with an audit event', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const u1 = `u${hex(12)}`;
      const u2 = `u${hex(12)}`;
      const { user } = await login(store, { appid, openid, unionid: u1 });
      expect(user.unionid).toBe(u1);
      expect((await login(store, { appid, openid, unionid: null })).user.unionid).toBe(u1);
      expect((await store.listAudit({ userId: user.id, limit: 10 })).items).toEqual([]);

      const changed = await login(store, { appid, openid, unionid: u2, now: T0 + 5 });
      expect(changed.user.unionid).toBe(u2);
      expect((await store.getUser(user.id))?.unionid).toBe(u2);
      const events = (await store.listAudit({ userId: user.id, limit: 10 })).items;
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ id: changed.input.auditId, action: 'user.unionid_changed', appid });
      expect(JSON.parse(events[0]!.detailJson!)).toEqual({ from: u1, to: u2 });
    });

    it('a first unionid on a known user is set without an audit event; updatedAt moves only with it', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const unionid = `u${hex(12)}`;
      const { user } = await login(store, { appid, openid });
      const plain = await login(store, { appid, openid, now: T0 + 1 });
      expect(plain.user).toMatchObject({ unionid: null, lastLoginAt: T0 + 1, updatedAt: T0 });
      const given = await login(store, { appid, openid, unionid, now: T0 + 2 });
      expect(given.isNew).toBe(false);
      expect(given.user).toMatchObject({ id: user.id, unionid, lastLoginAt: T0 + 2, updatedAt: T0 + 2 });
      expect(await store.getUser(user.id)).toEqual(given.user);
      const same = await login(store, { appid, openid, unionid, now: T0 + 3 });
      expect(same.user).toMatchObject({ unionid, lastLoginAt: T0 + 3, updatedAt: T0 + 2 });
      expect(await store.getUserByOpenid(appid, openid)).toEqual(same.user);
      expect((await store.listAudit({ userId: user.id, limit: 10 })).items).toEqual([]);
    });

    it('a unionid still held by a stale row of the same app moves to the openid WeChat gives it now', async () => {
      const appid = newAppid();
      const unionid = `u${hex(12)}`;
      const stale = await login(store, { appid, openid: newOpenid(), unionid });
      const fresh = await login(store, { appid, openid: newOpenid(), unionid });
      expect(fresh.isNew).toBe(true);
      expect(fresh.user.unionid).toBe(unionid);
      expect((await store.getUser(stale.user.id))?.unionid).toBeNull();
    });

    it('two openids of one app logging in at once with one unionid: both succeed, one ends up holding it', async () => {
      const appid = newAppid();
      const unionid = `u${hex(12)}`;
      const [a, b] = await Promise.all([
        login(store, { appid, openid: newOpenid(), unionid }),
        login(store, { appid, openid: newOpenid(), unionid }),
      ]);
      const holders = [await store.getUser(a.user.id), await store.getUser(b.user.id)].filter((u) => u?.unionid);
      expect(holders).toHaveLength(1);
    });

    it('NULL unionids and phones never collide within an app', async () => {
      const appid = newAppid();
      const a = await login(store, { appid, openid: newOpenid() });
      const b = await login(store, { appid, openid: newOpenid() });
      expect(a.user.id).not.toBe(b.user.id);
      await store.setPhone(a.user.id, null, T0);
      await store.setPhone(b.user.id, null, T0);
      expect((await store.getUser(b.user.id))?.phoneE164).toBeNull();
    });

    it('openids differing only by case are two users (ascii_bin on MariaDB)', async () => {
      const appid = newAppid();
      const upper = await login(store, { appid, openid: 'oAbcDEF' });
      const lower = await login(store, { appid, openid: 'oabcdef' });
      expect(upper.isNew && lower.isNew).toBe(true);
      expect(upper.user.id).not.toBe(lower.user.id);
      expect((await store.getUserByOpenid(appid, 'oabcdef'))?.id).toBe(lower.user.id);
      expect(await store.getUserByOpenid(appid, 'OABCDEF')).toBeUndefined();
    });

    it('a disabled user gets no session; the code stays pending; the session_key is stored', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const { user } = await login(store, { appid, openid });
      await store.setUserStatus(user.id, 'disabled', 'abuse', T0 + 1);
      const again = await login(store, { appid, openid, now: T0 + 2 });
      expect(again.sessionCreated).toBe(false);
      expect(again.user.status).toBe('disabled');
      expect(await store.getSession(again.input.session.id)).toBeUndefined();
      expect((await store.getLoginCode(again.input.codeHash))?.state).toBe('pending');
      expect(await store.getSessionKeySealed(appid, openid)).toBe(again.input.sessionKeySealed);
    });

    it('times and counts come back as numbers (int8 parsed), exactly', async () => {
      const appid = newAppid();
      const now = 8_000_000_000_000 + 123; // past 2^32 ms and any int4
      const { user, input } = await login(store, { appid, openid: newOpenid(), now });
      const row = await store.getUser(user.id);
      expect(row?.createdAt).toBe(now);
      expect(typeof row?.createdAt).toBe('number');
      const session = await store.getSession(input.session.id);
      expect(session?.absoluteExpiresAt).toBe(now + ABSOLUTE_TTL);
      expect(typeof session?.generation).toBe('number');
    });
  });
}
