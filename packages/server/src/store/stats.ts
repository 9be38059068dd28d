import type { LoginStatRow, StatsStore } from './port/stats.js';
import type { StoreContext } from './store-context.js';

const STATS_ROWS_PER_STATEMENT = 200;

/** The {@link StatsStore} on Kysely. */
export function statsStore({ db, dialect, transaction }: StoreContext): StatsStore {
  return {
    async addLoginStats(rows) {
      // One row per key: PostgreSQL refuses an upsert that touches the same row twice in one statement.
      const merged = new Map<string, LoginStatRow>();
      for (const row of rows) {
        if (row.count === 0) continue;
        const key = JSON.stringify([row.appid, row.minute, row.outcome, row.instance]);
        const seen = merged.get(key);
        merged.set(key, seen === undefined ? { ...row } : { ...seen, count: seen.count + row.count });
      }
      const all = [...merged.values()];
      if (all.length === 0) return;
      await transaction(async (trx) => {
        for (let i = 0; i < all.length; i += STATS_ROWS_PER_STATEMENT) {
          await dialect.upsert(trx, 'login_stats', all.slice(i, i + STATS_ROWS_PER_STATEMENT), {
            key: ['appid', 'minute', 'outcome', 'instance'],
            add: ['count'],
          });
        }
      });
    },

    async loginStats(query) {
      let select = db
        .selectFrom('login_stats')
        .select((eb) => ['appid', 'minute', 'outcome', eb.fn.sum<number | string>('count').as('count')])
        .where('minute', '>=', query.since);
      if (query.appid !== undefined) select = select.where('appid', '=', query.appid);
      const rows = await select
        .groupBy(['appid', 'minute', 'outcome'])
        .orderBy('minute')
        .orderBy('appid')
        .orderBy('outcome')
        .execute();
      // SUM widens the type (numeric on PostgreSQL, DECIMAL on MySQL): back to a number.
      return rows.map((row) => ({ ...row, count: Number(row.count) }));
    },
  };
}
