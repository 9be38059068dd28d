import type { StoreDialect } from './dialect.js';
import type { WechatSessionRow, WechatSessionStore } from './port/wechat-sessions.js';
import type { Executor, StoreContext } from './store-context.js';

/** Stores the newest sealed `session_key` of (appid, openid), replacing the one before (inside `completeLogin`). */
export function upsertSessionKey(dialect: StoreDialect, trx: Executor, row: WechatSessionRow): Promise<void> {
  return dialect.upsert(trx, 'wechat_sessions', [row], {
    key: ['appid', 'openid'],
    overwrite: ['sessionKeySealed', 'updatedAt'],
  });
}

/** Removes the `session_key` of (appid, openid) (inside `deleteUser`). */
export async function deleteSessionKey(trx: Executor, appid: string, openid: string): Promise<void> {
  await trx.deleteFrom('wechat_sessions').where('appid', '=', appid).where('openid', '=', openid).execute();
}

/** The {@link WechatSessionStore} on Kysely. */
export function wechatSessionStore({ db }: StoreContext): WechatSessionStore {
  return {
    async getSessionKeySealed(appid, openid) {
      const row = await db
        .selectFrom('wechat_sessions')
        .select('sessionKeySealed')
        .where('appid', '=', appid)
        .where('openid', '=', openid)
        .executeTakeFirst();
      return row?.sessionKeySealed;
    },
  };
}
