import type { WxloginConfig } from '../config/load-config.js';
import { describeDatabase } from '../config/describe-targets.js';

/** Socket errors that mean "nothing answered there", as Node and the drivers report them. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
]);

/** Database answers that name a wrong setting rather than a fault: bad credentials, no such database or file. */
const MISCONFIGURED = new Set([
  '28P01', // PostgreSQL: password authentication failed
  '28000', // PostgreSQL: no pg_hba.conf entry / role not permitted
  '3D000', // PostgreSQL: database does not exist
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'SQLITE_CANTOPEN',
  'SQLITE_NOTADB',
]);

interface CodedError {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
  cause?: unknown;
}

/** The first error in `error`'s chain (causes, an AggregateError's members) whose code is in `codes`. */
function findCoded(error: unknown, codes: ReadonlySet<string>, depth = 0): CodedError | undefined {
  if (error === null || typeof error !== 'object' || depth > 5) return undefined;
  const e = error as CodedError;
  // An AggregateError's members are the connection attempts themselves, one per address of the host.
  for (const inner of Array.isArray(e.errors) ? e.errors : []) {
    const found = findCoded(inner, codes, depth + 1);
    if (found) return found;
  }
  if (typeof e.code === 'string' && codes.has(e.code)) return e;
  return findCoded(e.cause, codes, depth + 1);
}

/**
 * One line naming the setting behind a start-up failure — `WXLOGIN_DATABASE_URL: cannot connect to PostgreSQL at
 * 127.0.0.1:5499/wxlogin (ECONNREFUSED)` — or undefined when the failure is not about where the service connects.
 * A driver's bare `ECONNREFUSED 127.0.0.1:5499` names no setting, and an operator with several URLs cannot tell
 * which one is wrong. The line never holds a URL's credentials.
 */
export function describeStartupFailure(error: unknown, config: Pick<WxloginConfig, 'databaseUrl'>): string | undefined {
  // Only the database is awaited at start: an unreachable Redis degrades the service, and the Redis client's log
  // line names WXLOGIN_REDIS_URL.
  const unreachable = findCoded(error, UNREACHABLE);
  if (unreachable !== undefined) {
    return `WXLOGIN_DATABASE_URL: cannot connect to ${describeDatabase(config.databaseUrl)} (${String(unreachable.code)})`;
  }
  const refused = findCoded(error, MISCONFIGURED);
  if (refused !== undefined) {
    const message = typeof refused.message === 'string' ? withoutCredentials(refused.message, config.databaseUrl) : '';
    return `WXLOGIN_DATABASE_URL: ${describeDatabase(config.databaseUrl)} refused: ${message} (${String(refused.code)})`;
  }
  return undefined;
}

/** A driver's message with the URL's password blanked, should a driver ever quote it. */
function withoutCredentials(message: string, url: string): string {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === '' ? message : message.split(password).join('[redacted]');
  } catch {
    return message;
  }
}
