import { insertAuditEvent } from './audit.js';
import { markLoginCodeDone } from './login-codes.js';
import type { CompleteLoginStore } from './port/complete-login.js';
import type { UserRow } from './port/users.js';
import { insertSession } from './sessions.js';
import type { StoreContext } from './store-context.js';
import { unionidChangeEvent } from './unionid-change.js';
import { upsertSessionKey } from './wechat-sessions.js';

/**
 * The {@link CompleteLoginStore} on Kysely. Its user statements are here rather than in `users.ts`: they are the
 * login's own (find-or-create by openid, the unionid hand-over), read best top to bottom with the rest of it.
 */
export function completeLoginStore({ dialect, transaction }: StoreContext): CompleteLoginStore {
  return {
    completeLogin(input) {
      const { appid, openid, now } = input;
      return transaction(
        async (trx) => {
          // The unionid is not inserted here: a unionid held by another row must not make the insert a silent no-op.
          await dialect.insertIfAbsent(trx, 'users', {
            id: input.newUserId,
            appid,
            openid,
            unionid: null,
            phoneE164: null,
            nickname: null,
            avatarUrl: null,
            status: 'active',
            disabledReason: null,
            createdAt: now,
            lastLoginAt: now,
            updatedAt: now,
          });
          const found = await trx
            .selectFrom('users')
            .selectAll()
            .where('openid', '=', openid)
            .where('appid', '=', appid)
            .executeTakeFirstOrThrow();
          const isNew = found.id === input.newUserId;

          let user: UserRow = { ...found, lastLoginAt: now };
          if (input.unionid !== null && input.unionid !== found.unionid) {
            // WeChat's answer is the truth: a row of this app still holding the unionid is stale, so it gives it up.
            const holder = await trx
              .selectFrom('users')
              .select('id')
              .where('unionid', '=', input.unionid)
              .where('appid', '=', appid)
              .where('id', '<>', found.id)
              .executeTakeFirst();
            if (holder !== undefined) {
              await trx
                .updateTable('users')
                .set({ unionid: null, updatedAt: now })
                .where('id', '=', holder.id)
                .execute();
            }
            const event = unionidChangeEvent({ ...input, unionid: input.unionid }, found, holder?.id);
            if (event !== undefined) await insertAuditEvent(trx, event);
            user = { ...user, unionid: input.unionid, updatedAt: now };
          }
          await trx
            .updateTable('users')
            .set({ lastLoginAt: now, unionid: user.unionid, updatedAt: user.updatedAt })
            .where('id', '=', found.id)
            .execute();

          await upsertSessionKey(dialect, trx, {
            appid,
            openid,
            sessionKeySealed: input.sessionKeySealed,
            updatedAt: now,
          });

          if (user.status !== 'active') return { user, isNew, sessionCreated: false };

          await insertSession(trx, { ...input.session, userId: user.id, revokedAt: null, revokedReason: null });
          await markLoginCodeDone(trx, {
            codeHash: input.codeHash,
            userId: user.id,
            sessionId: input.session.id,
            claimedAt: input.claimedAt,
          });
          return { user, isNew, sessionCreated: true };
        },
        { retryUniqueViolation: true },
      );
    },
  };
}
