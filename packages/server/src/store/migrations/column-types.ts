import { sql, type ColumnDataType, type Expression } from 'kysely';
import type { StoreDialectName } from '../port/lifecycle.js';

/** A column type Kysely's schema builder accepts. */
export type ColumnType = ColumnDataType | Expression<unknown>;

/** The few column types whose spelling differs between databases; everything else is portable as written. */
export interface ColumnTypes {
  /**
   * An identifier (id, appid, openid, unionid, hashes, sealed values): ASCII and case-sensitive everywhere. MySQL's
   * default collations fold case, and openids differ only by case, so there it is `ascii_bin`; PostgreSQL gets the
   * `C` collation so ordering (cursor paging on UUIDv7 ids) is bytewise like the other two.
   */
  ident(length: number): ColumnType;
  /** Human text of bounded length (utf8mb4 on MySQL, from the table default). */
  text(length: number): ColumnType;
  /** Unbounded text (JSON, sealed keys). */
  longText: ColumnType;
  /** Epoch ms and counters. */
  bigint: ColumnType;
  integer: ColumnType;
  /** Appended to `CREATE TABLE` (MySQL: engine and character set), or undefined. */
  tableOptions: Expression<unknown> | undefined;
}

/** The column types of one dialect. */
export function columnTypes(dialect: StoreDialectName): ColumnTypes {
  const common = { longText: 'text', bigint: 'bigint', integer: 'integer' } as const;
  switch (dialect) {
    case 'mysql':
      return {
        ...common,
        ident: (n) => sql`varchar(${sql.raw(String(n))}) character set ascii collate ascii_bin`,
        text: (n) => `varchar(${n})`,
        tableOptions: sql`engine = InnoDB default character set utf8mb4 collate utf8mb4_bin`,
      };
    case 'postgres':
      return {
        ...common,
        ident: (n) => sql`varchar(${sql.raw(String(n))}) collate "C"`,
        text: (n) => `varchar(${n})`,
        tableOptions: undefined,
      };
    case 'sqlite':
      // SQLite compares text bytewise unless told otherwise, and ignores lengths: the bounds are checked by the
      // other two databases and by the service's input validation.
      return { ...common, ident: (n) => `varchar(${n})`, text: (n) => `varchar(${n})`, tableOptions: undefined };
  }
}
