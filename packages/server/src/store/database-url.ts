/** The databases a URL can name, by scheme: the one list the config loader and the store both go by. */
export const DATABASE_KINDS = {
  sqlite: 'sqlite',
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  // MariaDB speaks MySQL's protocol; `mysql2` serves both.
  mariadb: 'mysql',
} as const;

/** What the store opens for a URL. */
export type DatabaseKind = (typeof DATABASE_KINDS)[keyof typeof DATABASE_KINDS];

/** The forms a database URL takes, for messages. */
export const DATABASE_URL_FORMS = 'sqlite:PATH, sqlite::memory:, postgres://…, mysql://… or mariadb://…';

/** The database a URL names (by its scheme, never the rest, which may hold a password); undefined when none. */
export function databaseKindOf(url: string): DatabaseKind | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? '';
  if (!Object.hasOwn(DATABASE_KINDS, scheme)) return undefined;
  const kind = DATABASE_KINDS[scheme as keyof typeof DATABASE_KINDS];
  // A server URL needs its `//host`; a SQLite one needs a path.
  const rest = url.slice(scheme.length + 1);
  if (kind === 'sqlite' ? rest === '' : !/^\/\/.+/.test(rest)) return undefined;
  return kind;
}
