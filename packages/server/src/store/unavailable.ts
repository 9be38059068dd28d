// Socket-level failures: the server is down, restarting, unreachable or cut off.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
// PostgreSQL SQLSTATEs: connection exceptions, shutdown or not accepting connections yet, too many connections,
// statement timeout. MySQL/MariaDB (mysql2 names): connection lost or refused, too many connections, shutdown,
// statement timeout (MySQL `max_execution_time`, MariaDB `max_statement_time`).
const SERVER_CODES = new Set([
  '08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300', '57014',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  'ER_QUERY_TIMEOUT',
  // SQLite: another process (`wxlogin gc`, a backup) held the write lock past busy_timeout.
  'SQLITE_BUSY',
]);
// MariaDB's `max_statement_time` (1969) has no name in mysql2: only its errno.
const MARIADB_STATEMENT_TIMEOUT = 1969;
// `pg` and `pg-pool` report a dropped connection or a connect timeout by message only.
const PG_MESSAGES = /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect)$/;

/**
 * True when a store error means the database cannot be reached or cannot answer in time (DESIGN.md catalogue:
 * `DEPENDENCY_UNAVAILABLE`, 503) rather than a bug. Recognises PostgreSQL (`pg`) and MySQL/MariaDB (`mysql2`) driver
 * errors by their codes, and SQLite's busy database; a store closed by the service itself is not one of them.
 */
export function isDatabaseUnavailable(error: unknown): error is Error & { code?: unknown } {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_CODES.has(code))) return true;
  if ((error as { errno?: unknown }).errno === MARIADB_STATEMENT_TIMEOUT) return true;
  return PG_MESSAGES.test(error.message);
}
