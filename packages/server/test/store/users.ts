import { beforeAll, describe, expect, it } from 'vitest';
import { UniqueViolationError, type Store } from '../../src/store/index.js';
import { T0, DAY, newId, hex, newAppid, newOpenid, audit, login } from './fixtures.js';
import type { StoreSuite } from './store-suite.js';

/** Users: profile, phone bind and move, audit counts, disable, delete, admin search. */
export function userTests(suite: StoreSuite): void {
  const { db } = suite;
  describe(`${db.tag} users`, () => {
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('updateProfile changes only the given fields', async () => {
      const { user } = await login(store, { appid: newAppid(), openid: newOpenid() });
      await store.updateProfile(user.id, { nickname: '小明 🐱', avatarUrl: 'https://example.com/a.png' }, T0 + 1);
      const row = await store.updateProfile(user.id, { nickname: null }, T0 + 2);
      expect(row).toMatchObject({ nickname: null, avatarUrl: 'https://example.com/a.png', updatedAt: T0 + 2 });
      expect(await store.updateProfile(newId(), { nickname: 'x' }, T0)).toBeUndefined();
    });

    it('a phone bound to another user of the app is a typed UniqueViolationError; other apps share it', async () => {
      const appid = newAppid();
      const phone = `+86138${String(Date.now()).slice(-8)}`;
      const a = await login(store, { appid, openid: newOpenid() });
      const b = await login(store, { appid, openid: newOpenid() });
      const other = await login(store, { appid: newAppid(), openid: newOpenid() });
      expect((await store.setPhone(a.user.id, phone, T0 + 1))?.phoneE164).toBe(phone);
      const err = await store.setPhone(b.user.id, phone, T0 + 2).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UniqueViolationError);
      expect((err as UniqueViolationError).column).toBe('phone_e164');
      expect((err as Error).message).not.toContain(phone);
      expect((await store.setPhone(other.user.id, phone, T0 + 3))?.phoneE164).toBe(phone);
      // The store is still usable after the failed statement (PostgreSQL aborts a transaction on an error).
      expect((await store.setPhone(a.user.id, null, T0 + 4))?.phoneE164).toBeNull();
      expect((await store.setPhone(b.user.id, phone, T0 + 5))?.phoneE164).toBe(phone);
    });

    it('two users binding one number at once: one wins, the other gets the typed error', async () => {
      const appid = newAppid();
      const phone = `+86139${String(Date.now()).slice(-8)}`;
      const a = await login(store, { appid, openid: newOpenid() });
      const b = await login(store, { appid, openid: newOpenid() });
      const results = await Promise.allSettled([
        store.setPhone(a.user.id, phone, T0),
        store.setPhone(b.user.id, phone, T0),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected');
      expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(UniqueViolationError);
    });

    it('movePhone takes the number from its holder in one transaction, audited on the holder', async () => {
      const appid = newAppid();
      const phone = `+86137${String(Date.now()).slice(-8)}`;
      const a = await login(store, { appid, openid: newOpenid() });
      const b = await login(store, { appid, openid: newOpenid() });
      const other = await login(store, { appid: newAppid(), openid: newOpenid() });
      await store.setPhone(a.user.id, phone, T0);
      await store.setPhone(other.user.id, phone, T0);
      const { userId: _none, ...moved } = audit('phone.moved', { appid, at: T0 + 1, detailJson: '{"last4":"0000"}' });
      const result = await store.movePhone({ userId: b.user.id, phoneE164: phone, now: T0 + 1, audit: moved });
      expect(result.fromUserId).toBe(a.user.id);
      expect(result.user).toMatchObject({ id: b.user.id, phoneE164: phone, updatedAt: T0 + 1 });
      expect(await store.getUser(a.user.id)).toMatchObject({ phoneE164: null, updatedAt: T0 + 1 });
      expect((await store.getUser(other.user.id))?.phoneE164).toBe(phone); // another app keeps its own
      expect((await store.listAudit({ userId: a.user.id, limit: 5 })).items).toEqual([{ ...moved, userId: a.user.id }]);

      // Nobody else holds it: a plain bind, no audit. Unknown user: nothing written.
      const fresh = `+86136${String(Date.now()).slice(-8)}`;
      const { userId: _x, ...unused } = audit('phone.moved', { appid });
      expect(await store.movePhone({ userId: a.user.id, phoneE164: fresh, now: T0 + 2, audit: unused })).toMatchObject({
        fromUserId: null,
        user: { id: a.user.id, phoneE164: fresh },
      });
      expect(await store.movePhone({ userId: newId(), phoneE164: phone, now: T0 + 3, audit: unused })).toEqual({
        user: undefined,
        fromUserId: null,
      });
      expect((await store.listAudit({ userId: a.user.id, limit: 5 })).items).toHaveLength(1);
      expect((await store.getUser(b.user.id))?.phoneE164).toBe(phone);
    });

    it('two users moving one held number at once: both succeed in turn, exactly one holds it, each move audited', async () => {
      const appid = newAppid();
      const phone = `+86135${String(Date.now()).slice(-8)}`;
      const holder = await login(store, { appid, openid: newOpenid() });
      const takers = [
        await login(store, { appid, openid: newOpenid() }),
        await login(store, { appid, openid: newOpenid() }),
      ];
      await store.setPhone(holder.user.id, phone, T0);
      const results = await Promise.all(
        takers.map(({ user }) => {
          const { userId: _u, ...event } = audit('phone.moved', { appid, detailJson: JSON.stringify({ to: user.id }) });
          return store.movePhone({ userId: user.id, phoneE164: phone, now: T0 + 1, audit: event });
        }),
      );
      const withPhone = (await Promise.all([holder, ...takers].map(({ user }) => store.getUser(user.id)))).filter(
        (u) => u?.phoneE164 === phone,
      );
      expect(withPhone).toHaveLength(1);
      const last = results.find((r) => r.user?.id === withPhone[0]!.id)!;
      const first = results.find((r) => r !== last)!;
      expect(first.fromUserId).toBe(holder.user.id);
      expect(last.fromUserId).toBe(first.user!.id);
    });

    it('countAuditEvents counts one action of one user since a time (inclusive) and names the earliest', async () => {
      const userId = newId();
      for (const at of [T0, T0 + 10, T0 + 20]) await store.insertAudit(audit('phone.bound', { userId, at }));
      await store.insertAudit(audit('phone.moved', { userId, at: T0 + 30 }));
      await store.insertAudit(audit('phone.bound', { userId: newId(), at: T0 + 30 }));
      expect(await store.countAuditEvents({ userId, action: 'phone.bound', since: T0 + 10 })).toEqual({
        count: 2,
        firstAt: T0 + 10,
      });
      expect(await store.countAuditEvents({ userId, action: 'phone.bound', since: T0 - DAY })).toEqual({
        count: 3,
        firstAt: T0,
      });
      expect(await store.countAuditEvents({ userId, action: 'phone.bound', since: T0 + 21 })).toEqual({
        count: 0,
        firstAt: null,
      });
    });

    it('disable revokes the live sessions; enable clears the reason', async () => {
      const { user, input } = await login(store, { appid: newAppid(), openid: newOpenid() });
      const disabled = await store.setUserStatus(user.id, 'disabled', 'fraud', T0 + 1);
      expect(disabled).toMatchObject({ status: 'disabled', disabledReason: 'fraud', updatedAt: T0 + 1 });
      expect(await store.getSession(input.session.id)).toMatchObject({ revokedAt: T0 + 1, revokedReason: 'disabled' });
      expect(await store.setUserStatus(user.id, 'active', 'ignored', T0 + 2)).toMatchObject({
        status: 'active',
        disabledReason: null,
      });
      expect(await store.setUserStatus(newId(), 'disabled', 'x', T0)).toBeUndefined();
    });

    it('deleteUser removes the row and session_key, revokes sessions, writes the audit event', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const { user, input } = await login(store, { appid, openid });
      const event = audit('user.deleted', { appid, userId: user.id, at: T0 + 9, detailJson: '{"openidHash":"x"}' });
      expect(await store.deleteUser(user.id, event)).toBe(true);
      expect(await store.getUser(user.id)).toBeUndefined();
      expect(await store.getUserByOpenid(appid, openid)).toBeUndefined();
      expect(await store.getSessionKeySealed(appid, openid)).toBeUndefined();
      expect(await store.getSession(input.session.id)).toMatchObject({
        revokedReason: 'user_deleted',
        revokedAt: T0 + 9,
      });
      expect((await store.listAudit({ userId: user.id, limit: 5 })).items).toEqual([event]);
      expect(await store.deleteUser(user.id, audit('user.deleted'))).toBe(false);
      // Logging in again makes a new user: ids are never reused.
      expect((await login(store, { appid, openid })).isNew).toBe(true);
    });

    it('searchUsers matches id, openid, unionid or phone exactly, never a substring', async () => {
      const appid = newAppid();
      const openid = newOpenid();
      const unionid = `u${hex(12)}`;
      const phone = `+86137${String(Date.now()).slice(-8)}`;
      const { user } = await login(store, { appid, openid, unionid });
      await store.setPhone(user.id, phone, T0);
      for (const q of [user.id, openid, unionid, phone, ` ${openid} `]) {
        expect(
          (await store.searchUsers({ q, limit: 10 })).items.map((u) => u.id),
          q,
        ).toEqual([user.id]);
      }
      for (const q of [openid.slice(0, -1), openid.slice(1), phone.slice(3), unionid.toUpperCase(), '%', '开']) {
        expect((await store.searchUsers({ q, limit: 10 })).items, q).toEqual([]);
      }
      // One unionid across apps: every app's user.
      const linked = await login(store, { appid: newAppid(), openid: newOpenid(), unionid });
      const found = await store.searchUsers({ q: unionid, limit: 10 });
      expect(found.items.map((u) => u.id).sort()).toEqual([user.id, linked.user.id].sort());
    });

    it('searchUsers pages by id, newest first, with a cursor', async () => {
      const unionid = `u${hex(12)}`;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await login(store, { appid: newAppid(), openid: newOpenid(), unionid })).user.id);
      }
      const expected = [...ids].sort().reverse();
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pageNo = 0; pageNo < 10; pageNo++) {
        const p = await store.searchUsers({ q: unionid, limit: 2, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...p.items.map((u) => u.id));
        if (p.nextCursor === null) break;
        cursor = p.nextCursor;
      }
      expect(seen).toEqual(expected);

      const all = await store.searchUsers({ limit: 3 });
      expect(all.items).toHaveLength(3);
      const next = await store.searchUsers({ limit: 3, cursor: all.nextCursor! });
      expect(next.items[0]!.id < all.items[2]!.id).toBe(true);
    });

    it('linkedAccounts: other apps, same unionid', async () => {
      const unionid = `u${hex(12)}`;
      const a = await login(store, { appid: newAppid(), openid: newOpenid(), unionid });
      const b = await login(store, { appid: newAppid(), openid: newOpenid(), unionid });
      await login(store, { appid: newAppid(), openid: newOpenid(), unionid: `u${hex(12)}` });
      expect((await store.linkedAccounts(a.user)).map((u) => u.id)).toEqual([b.user.id]);
      const lone = await login(store, { appid: newAppid(), openid: newOpenid() });
      expect(await store.linkedAccounts(lone.user)).toEqual([]);
    });
  });
}
