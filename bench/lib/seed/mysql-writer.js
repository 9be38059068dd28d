// Bulk rows into MySQL or MariaDB: multi-row INSERTs of 5,000 rows (a few MB each, under the default 16 MB packet
// limit).
import { bufferedInserts, toRowArrays } from './buffered-inserts.js';
import { requireDriver } from './server-modules.js';

const ROWS_PER_STATEMENT = 5000;
const QUERY_TIMEOUT_MS = 120_000;

/**
 * Opens a writer on a migrated MySQL or MariaDB database.
 * @param {string} url a `mysql://` URL
 * @returns {Promise<import('./writer.js').RowWriter>}
 */
export async function openMysqlWriter(url) {
  const mysql = requireDriver('mysql2/promise');
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 10_000 });
  // An error on an idle connection would otherwise crash the process; the next query reports it.
  connection.on('error', () => undefined);
  /** @param {string} sql @param {unknown[]} [values] */
  const query = (sql, values) => connection.query({ sql, timeout: QUERY_TIMEOUT_MS }, values);

  const buffer = bufferedInserts(ROWS_PER_STATEMENT, async (table, columns, values) => {
    // mysql2 expands the nested array into `(…), (…)`, escaping every value on the client.
    await query(`insert into ${table} (${columns.join(', ')}) values ?`, [toRowArrays(columns, values)]);
  });

  return {
    kind: 'mysql',
    async begin() {
      await connection.beginTransaction();
    },
    insert: (table, columns, values) => buffer.add(table, columns, values),
    async commit() {
      await buffer.drain();
      await connection.commit();
    },
    async rollback() {
      buffer.clear();
      await connection.rollback();
    },
    async deferIndexes(table) {
      // Plain indexes only (not the primary key nor a unique constraint), rebuilt from their columns in order.
      const [rows] = await query(
        `select index_name as name, group_concat(column_name order by seq_in_index) as columns
           from information_schema.statistics
          where table_schema = database() and table_name = ? and non_unique = 1
          group by index_name`,
        [table],
      );
      for (const { name } of rows) await query(`alter table ${table} drop index \`${name}\``);
      return async () => {
        for (const { name, columns } of rows) {
          const list = String(columns)
            .split(',')
            .map((c) => `\`${c}\``)
            .join(', ');
          await query(`create index \`${name}\` on ${table} (${list})`);
        }
      };
    },
    async indexes(table) {
      const [rows] = await query(
        `select index_name as name, group_concat(column_name order by seq_in_index) as columns
           from information_schema.statistics
          where table_schema = database() and table_name = ?
          group by index_name`,
        [table],
      );
      return rows.map((r) => ({ name: r.name, columns: String(r.columns).split(',') }));
    },
    async count(table) {
      const [rows] = await query(`select count(*) as n from ${table}`);
      return Number(rows[0].n);
    },
    async finish() {
      await query('analyze table users, wechat_sessions, refresh_families');
    },
    async sizeBytes() {
      const [rows] = await query(
        `select coalesce(sum(data_length + index_length), 0) as n from information_schema.tables
          where table_schema = database() and table_name in ('users', 'wechat_sessions', 'refresh_families')`,
      );
      return Number(rows[0].n);
    },
    async close() {
      await connection.end();
    },
  };
}
