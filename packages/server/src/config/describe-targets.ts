import { resolve } from 'node:path';
import { databaseKindOf } from '../store/database-url.js';

const KIND_NAMES = { postgres: 'PostgreSQL', mysql: 'MySQL/MariaDB' } as const;

/** `host:port/path` of a server URL: never its user, password or query (which may carry a password). */
function where(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** The database a URL names, without credentials: `SQLite file /srv/wxlogin.db`, `PostgreSQL at db:5432/wxlogin`. */
export function describeDatabase(url: string): string {
  const kind = databaseKindOf(url);
  if (kind === 'sqlite') {
    const path = url.slice('sqlite:'.length);
    return path === ':memory:' ? 'SQLite in memory' : `SQLite file ${resolve(path)}`;
  }
  if (kind === undefined) return 'an unknown kind of database';
  return `${KIND_NAMES[kind]} at ${where(url)}`;
}

/** The Redis a URL names, without credentials: `127.0.0.1:6379`, `redis.internal:6380/2 (TLS)`. */
export function describeRedis(url: string): string {
  return `${where(url)}${/^rediss:/i.test(url) ? ' (TLS)' : ''}`;
}
