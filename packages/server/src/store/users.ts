import { insertAuditEvent } from './audit.js';
import { bounded } from './column-bounds.js';
import { clampLimit, page } from './page.js';
import type { UserRow, UserStore } from './port/users.js';
import { revokeSessionsOfUser } from './sessions.js';
import type { Executor, StoreContext } from './store-context.js';
import { deleteSessionKey } from './wechat-sessions.js';

// Every column an admin search may match holds printable ASCII only; anything else can match nothing, and MySQL
// would have to convert it to the columns' `ascii` character set to compare.
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

function selectUser(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The {@link UserStore} on Kysely. */
export function userStore({ db, transaction, mapError }: StoreContext): UserStore {
  return {
    getUser: (id) => selectUser(db, id),

    getUserByOpenid: (appid, openid) =>
      db.selectFrom('users').selectAll().where('openid', '=', openid).where('appid', '=', appid).executeTakeFirst(),

    async updateProfile(id, patch, now) {
      await db
        .updateTable('users')
        .set({
          ...(patch.nickname === undefined ? {} : { nickname: patch.nickname }),
          ...(patch.avatarUrl === undefined ? {} : { avatarUrl: patch.avatarUrl }),
          updatedAt: now,
        })
        .where('id', '=', id)
        .execute();
      return selectUser(db, id);
    },

    async setPhone(userId, phoneE164, now) {
      try {
        await db.updateTable('users').set({ phoneE164, updatedAt: now }).where('id', '=', userId).execute();
      } catch (err) {
        throw mapError(err);
      }
      return selectUser(db, userId);
    },

    movePhone(input) {
      const { userId, phoneE164, now } = input;
      return transaction(
        async (trx) => {
          const user = await trx.selectFrom('users').select('appid').where('id', '=', userId).executeTakeFirst();
          if (user === undefined) return { user: undefined, fromUserId: null };
          const holder = await trx
            .selectFrom('users')
            .select('id')
            .where('phoneE164', '=', phoneE164)
            .where('appid', '=', user.appid)
            .where('id', '<>', userId)
            .executeTakeFirst();
          let fromUserId: string | null = null;
          if (holder !== undefined) {
            // Conditional on the number: a holder that lost it to a concurrent move meanwhile keeps whatever it has now.
            const cleared = await trx
              .updateTable('users')
              .set({ phoneE164: null, updatedAt: now })
              .where('id', '=', holder.id)
              .where('phoneE164', '=', phoneE164)
              .executeTakeFirst();
            if (cleared.numUpdatedRows > 0n) fromUserId = holder.id;
          }
          // Collides when someone else took the number after our read: the retried transaction sees them as the holder.
          await trx.updateTable('users').set({ phoneE164, updatedAt: now }).where('id', '=', userId).execute();
          if (fromUserId !== null) await insertAuditEvent(trx, { ...input.audit, userId: fromUserId });
          return { user: await selectUser(trx, userId), fromUserId };
        },
        { retryUniqueViolation: true },
      );
    },

    setUserStatus(userId, status, reason, now) {
      return transaction(async (trx) => {
        const result = await trx
          .updateTable('users')
          .set({ status, disabledReason: status === 'disabled' ? bounded(reason, 255) : null, updatedAt: now })
          .where('id', '=', userId)
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) return undefined;
        if (status === 'disabled') await revokeSessionsOfUser(trx, userId, 'disabled', now);
        return selectUser(trx, userId);
      });
    },

    deleteUser(userId, audit) {
      return transaction(async (trx) => {
        const user = await trx
          .selectFrom('users')
          .select(['appid', 'openid'])
          .where('id', '=', userId)
          .executeTakeFirst();
        if (user === undefined) return false;
        await revokeSessionsOfUser(trx, userId, 'user_deleted', audit.at);
        await deleteSessionKey(trx, user.appid, user.openid);
        await trx.deleteFrom('users').where('id', '=', userId).execute();
        await insertAuditEvent(trx, audit);
        return true;
      });
    },

    async searchUsers(query) {
      const limit = clampLimit(query.limit);
      const q = query.q?.trim() ?? '';
      const cursor = query.cursor;
      if (cursor !== undefined && !PRINTABLE_ASCII.test(cursor)) return { items: [], nextCursor: null };
      if (q === '') {
        let select = db.selectFrom('users').selectAll();
        if (cursor !== undefined) select = select.where('id', '<', cursor);
        return page(
          await select
            .orderBy('id', 'desc')
            .limit(limit + 1)
            .execute(),
          limit,
        );
      }
      if (!PRINTABLE_ASCII.test(q)) return { items: [], nextCursor: null };
      // One exact, indexed lookup per column (each unique constraint leads with its column); an OR across four
      // columns may be planned as a scan of the primary key in order instead.
      const byColumn = (column: 'id' | 'openid' | 'unionid' | 'phoneE164') =>
        db.selectFrom('users').selectAll().where(column, '=', q);
      const rows = await byColumn('id')
        .union(byColumn('openid'))
        .union(byColumn('unionid'))
        .union(byColumn('phoneE164'))
        .execute();
      const sorted = rows
        .filter((row) => cursor === undefined || row.id < cursor)
        .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      return page(sorted, limit);
    },

    async linkedAccounts(user) {
      if (user.unionid === null) return [];
      return db
        .selectFrom('users')
        .selectAll()
        .where('unionid', '=', user.unionid)
        .where('appid', '<>', user.appid)
        .orderBy('appid')
        .execute();
    },
  };
}
