import { clampLimit, page } from './page.js';
import type { AuditEventRow, AuditStore } from './port/audit.js';
import type { Executor, StoreContext } from './store-context.js';

/** Inserts one audit event on `db`: the pool, or the transaction of the change it records. */
export async function insertAuditEvent(db: Executor, event: AuditEventRow): Promise<void> {
  await db.insertInto('audit_events').values(event).execute();
}

/** The {@link AuditStore} on Kysely. */
export function auditStore({ db }: StoreContext): AuditStore {
  return {
    insertAudit: (event) => insertAuditEvent(db, event),

    async countAuditEvents(query) {
      let select = db
        .selectFrom('audit_events')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('count'),
          eb.fn.min<number | string | null>('at').as('firstAt'),
        ])
        .where('action', '=', query.action)
        .where('at', '>=', query.since);
      if (query.userId !== undefined) select = select.where('userId', '=', query.userId);
      const row = await select.executeTakeFirstOrThrow();
      // COUNT and MIN of BIGINT come back as strings on PostgreSQL (and COUNT on MySQL as a BIGINT string).
      return { count: Number(row.count), firstAt: row.firstAt === null ? null : Number(row.firstAt) };
    },

    async listAudit(query) {
      const limit = clampLimit(query.limit);
      let select = db.selectFrom('audit_events').selectAll();
      if (query.userId !== undefined) select = select.where('userId', '=', query.userId);
      if (query.action !== undefined) select = select.where('action', '=', query.action);
      if (query.cursor !== undefined) select = select.where('id', '<', query.cursor);
      return page(
        await select
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute(),
        limit,
      );
    },
  };
}
