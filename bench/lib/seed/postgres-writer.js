// Bulk rows into PostgreSQL without COPY (pg-copy-streams is not a dependency): `INSERT … SELECT FROM unnest(…)`
// with one array parameter per column, 10,000 rows per statement.
import { bufferedInserts, toColumnArrays } from './buffered-inserts.js';
import { COLUMN_KINDS } from './columns.js';
import { requireDriver } from './server-modules.js';

const ROWS_PER_STATEMENT = 10_000;
const STATEMENT_TIMEOUT_MS = 120_000;

/**
 * Opens a writer on a migrated PostgreSQL database.
 * @param {string} url
 * @returns {Promise<import('./writer.js').RowWriter>}
 */
export async function openPostgresWriter(url) {
  const pg = requireDriver('pg');
  const client = new pg.Client({
    connectionString: url,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    connectionTimeoutMillis: 10_000,
    application_name: 'wxlogin-seed',
  });
  // An error on an idle client would otherwise crash the process; the next query reports it.
  client.on('error', () => undefined);
  await client.connect();
  // Nothing waits on these commits: a crash mid-seed means seeding again.
  await client.query('set synchronous_commit = off');

  const buffer = bufferedInserts(ROWS_PER_STATEMENT, async (table, columns, values) => {
    const casts = columns.map((column, c) => `$${c + 1}::${COLUMN_KINDS[column]}[]`).join(', ');
    await client.query(
      `insert into ${table} (${columns.join(', ')}) select * from unnest(${casts})`,
      toColumnArrays(columns, values),
    );
  });

  return {
    kind: 'postgres',
    async begin() {
      await client.query('begin');
    },
    insert: (table, columns, values) => buffer.add(table, columns, values),
    async commit() {
      await buffer.drain();
      await client.query('commit');
    },
    async rollback() {
      buffer.clear();
      await client.query('rollback');
    },
    async deferIndexes(table) {
      // Plain indexes only: those behind a primary key or unique constraint stay.
      const { rows } = await client.query(
        `select i.indexname as name, i.indexdef as sql from pg_indexes i
          where i.schemaname = current_schema() and i.tablename = $1
            and not exists (select 1 from pg_constraint c
                             where c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`,
        [table],
      );
      for (const { name } of rows) await client.query(`drop index "${name}"`);
      return async () => {
        for (const { sql } of rows) await client.query(sql);
      };
    },
    async indexes(table) {
      const { rows } = await client.query(
        `select i.relname as name, array_agg(a.attname::text order by k.ord) as columns
           from pg_index x
           join pg_class t on t.oid = x.indrelid
           join pg_class i on i.oid = x.indexrelid
           join lateral unnest(x.indkey) with ordinality as k(attnum, ord) on true
           join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
          where t.relname = $1 and t.relnamespace = current_schema()::regnamespace
          group by i.relname`,
        [table],
      );
      return rows;
    },
    async count(table) {
      const { rows } = await client.query(`select count(*)::bigint as n from ${table}`);
      return Number(rows[0].n);
    },
    async finish() {
      await client.query('analyze users, wechat_sessions, refresh_families');
    },
    async sizeBytes() {
      const { rows } = await client.query(
        `select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint as n from pg_class c
          where c.relname in ('users', 'wechat_sessions', 'refresh_families')
            and c.relnamespace = current_schema()::regnamespace`,
      );
      return Number(rows[0].n);
    },
    async close() {
      await client.end();
    },
  };
}
