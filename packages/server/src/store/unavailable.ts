// Socket-level failures: the server is down, restarting, unreachable or cut off.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
// PostgreSQL SQLSTATEs. Class 08: connection exceptions. 55000: "database … is not currently accepting connections"
// (`ALLOW_CONNECTIONS false`; no statement of the store can raise it otherwise: no sequences, no replication
// slots). 57P01/57P02/57P03: administrator, crash or startup shutdown; 57P05: idle-session timeout. Class 53:
// too many connections (53300), out of memory, disk full. 57014: statement timeout or cancel.
const PG_STATES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '08007',
  '08P01',
  '55000',
  '57P01',
  '57P02',
  '57P03',
  '57P05',
  '53000',
  '53100',
  '53200',
  '53300',
  '57014',
]);
// MySQL/MariaDB server errnos, which mysql2 sets whatever its version names them: too many connections (1040),
// server shutdown (1053), host blocked after connection errors (1129), too many connections of a user, globally
// (1203) or by the user's own MAX_USER_CONNECTIONS (1226), lock wait timeout (1205), query interrupted by KILL QUERY
// or a shutdown (1317), connection killed (1927), statement timeouts (MariaDB 1969, MySQL 3024).
const MYSQL_ERRNOS = new Set([1040, 1053, 1129, 1203, 1205, 1226, 1317, 1927, 1969, 3024]);
// mysql2's own codes for a connection that broke or a command that got no answer in time.
const MYSQL_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT']);
// `pg` and `pg-pool` report a dropped connection, a connect timeout, a query read timeout and a client whose
// connection already failed by message only.
const PG_MESSAGES =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error and is not queryable)$/;

/**
 * A database call given up by the service itself: no connection came free within the pool wait, a statement got no
 * answer within its client-side bound (the statement timeout plus a margin), or the connection was abandoned after
 * such a timeout. The database may be partitioned away rather than down: nothing tells the client it is gone.
 */
export class DatabaseTimeoutError extends Error {
  override readonly name = 'DatabaseTimeoutError';
  /** Shown (alone) in the log line of the 503; never the statement. */
  readonly code = 'DB_CLIENT_TIMEOUT';
}

/**
 * True when a store error means the database cannot be reached, cannot answer in time or refuses new sessions
 * (docs/errors.md: `DEPENDENCY_UNAVAILABLE`, 503) rather than a bug. The one place that reads drivers' errors for it:
 * PostgreSQL (`pg`) SQLSTATEs and messages, MySQL/MariaDB (`mysql2`) errnos and codes, SQLite's busy database, and
 * the service's own {@link DatabaseTimeoutError}. A store closed by the service itself is not one of them.
 */
export function isDatabaseUnavailable(error: unknown): error is Error & { code?: unknown } {
  if (!(error instanceof Error)) return false;
  if (error instanceof DatabaseTimeoutError) return true;
  const { code, errno, fatal } = error as { code?: unknown; errno?: unknown; fatal?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || PG_STATES.has(code) || MYSQL_CODES.has(code)))
    return true;
  // SQLite: another process (`wxlogin gc`, a backup) held the write lock past busy_timeout.
  if (code === 'SQLITE_BUSY') return true;
  if (typeof errno === 'number' && MYSQL_ERRNOS.has(errno)) return true;
  // mysql2 marks an error fatal when the connection is finished; without a server errno it is the connection's
  // own failure ("Can't add new command when connection is in closed state" after a KILL), not a refused statement.
  if (fatal === true && errno === undefined) return true;
  return PG_MESSAGES.test(error.message);
}
