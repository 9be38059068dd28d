import type { LoginCodeStore } from './port/login-codes.js';
import type { Executor, StoreContext } from './store-context.js';

/**
 * Marks the memo `done` with the login's user and session (inside `completeLogin`). With `claimedAt`, only while the
 * row is still `pending` under that claim: a request taken over meanwhile leaves the row to its taker.
 */
export async function markLoginCodeDone(
  trx: Executor,
  done: { codeHash: string; userId: string; sessionId: string; claimedAt: number | undefined },
): Promise<void> {
  let memo = trx
    .updateTable('login_codes')
    .set({ state: 'done', userId: done.userId, familyId: done.sessionId })
    .where('codeHash', '=', done.codeHash);
  if (done.claimedAt !== undefined) {
    memo = memo.where('state', '=', 'pending').where('claimedAt', '=', done.claimedAt);
  }
  await memo.execute();
}

/** The {@link LoginCodeStore} on Kysely. */
export function loginCodeStore({ db, dialect }: StoreContext): LoginCodeStore {
  return {
    claimLoginCode: (row) =>
      dialect.insertIfAbsent(db, 'login_codes', {
        codeHash: row.codeHash,
        appid: row.appid,
        state: 'pending',
        userId: null,
        familyId: null,
        nonceHash: row.nonceHash,
        failureJson: null,
        createdAt: row.createdAt,
        claimedAt: row.createdAt,
        expiresAt: row.expiresAt,
      }),

    async takeOverLoginCode(input) {
      // One compare-and-set: of concurrent takers the first moves the claim past `staleBefore`, and the others'
      // WHERE, re-checked on the row they waited for, no longer matches.
      const taken = await db
        .updateTable('login_codes')
        .set({ claimedAt: input.claimedAt, nonceHash: input.nonceHash })
        .where('codeHash', '=', input.codeHash)
        .where('state', '=', 'pending')
        .where((eb) => eb(eb.fn.coalesce('claimedAt', 'createdAt'), '<', input.staleBefore))
        .executeTakeFirst();
      return taken.numUpdatedRows === 1n;
    },

    async getLoginCode(codeHash) {
      const row = await db.selectFrom('login_codes').selectAll().where('codeHash', '=', codeHash).executeTakeFirst();
      if (row === undefined) return undefined;
      const { familyId, ...rest } = row;
      return { ...rest, sessionId: familyId };
    },

    async failLoginCode(codeHash, error, claimedAt) {
      let update = db
        .updateTable('login_codes')
        .set({ state: 'failed', failureJson: error })
        .where('codeHash', '=', codeHash);
      if (claimedAt !== undefined) update = update.where('state', '=', 'pending').where('claimedAt', '=', claimedAt);
      await update.execute();
    },

    async deleteLoginCode(codeHash, claimedAt) {
      let remove = db.deleteFrom('login_codes').where('codeHash', '=', codeHash).where('state', '=', 'pending');
      if (claimedAt !== undefined) remove = remove.where('claimedAt', '=', claimedAt);
      await remove.execute();
    },
  };
}
