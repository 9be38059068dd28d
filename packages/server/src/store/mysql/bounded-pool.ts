import type { MysqlPool, MysqlPoolConnection, MysqlQueryResult, MysqlStream, MysqlStreamOptions } from 'kysely';
import type { Pool, PoolConnection } from 'mysql2';
import { clientStatementTimeoutMs } from '../client-timeouts.js';
import { DatabaseTimeoutError, isDatabaseUnavailable } from '../unavailable.js';

// `set session max_statement_time = 0.5` (MariaDB, seconds) or `max_execution_time = 500` (MySQL, ms), as the dialect
// sets the session up and lifts the timeout; `set statement max_statement_time = …for` is one statement's own.
const SET_SESSION = /^\s*set\s+(?!statement\b)/i;
const MARIADB_TIMEOUT = /max_statement_time\s*=\s*(\d+(?:\.\d+)?)/i;
const MYSQL_TIMEOUT = /max_execution_time\s*=\s*(\d+)/i;
const PER_STATEMENT = /^\s*set\s+statement\s+.*?max_statement_time\s*=\s*(\d+(?:\.\d+)?)[\s\S]*?\bfor\b/i;

/** The statement timeout, ms, that `sql` sets (for the session, or for itself when `perStatement`). */
function timeoutSetBy(sql: string, perStatement: boolean): number | undefined {
  if (perStatement) {
    const own = PER_STATEMENT.exec(sql);
    return own === null ? undefined : Math.ceil(Number(own[1]) * 1000);
  }
  if (!SET_SESSION.test(sql)) return undefined;
  const mariadb = MARIADB_TIMEOUT.exec(sql);
  if (mariadb !== null) return Math.ceil(Number(mariadb[1]) * 1000);
  const mysql = MYSQL_TIMEOUT.exec(sql);
  return mysql === null ? undefined : Number(mysql[1]);
}

/** What Kysely's interface asks of a query sent without a callback (a stream of rows; the store never streams). */
interface StreamableQuery {
  stream: <T>(options: MysqlStreamOptions) => MysqlStream<T>;
}

/** mysql2 reports a command that got no answer within its `timeout` with this code. */
const QUERY_TIMEOUT_CODE = 'PROTOCOL_SEQUENCE_TIMEOUT';

interface SessionState {
  /** The session's statement timeout, ms (`0`: none). */
  sessionMs: number;
  /** A statement timed out on the client: the connection may still be waiting for that answer, so it is dead. */
  abandoned: boolean;
}

/**
 * Ends `connection` now and frees its pool slot. mysql2's `destroy()` only half-closes (sends FIN and waits for the
 * server's), which a partitioned server never answers: the socket itself is destroyed too.
 */
function destroyConnection(connection: PoolConnection): void {
  connection.destroy();
  (connection as unknown as { stream?: { destroy?(): void } }).stream?.destroy?.();
}

/**
 * mysql2's pool as Kysely sees it, with client-side bounds: a wait for a pool connection of at most `acquireMs`
 * (mysql2 queues without limit), and on every statement the session's statement timeout (as set at connect,
 * `startMs`, and as changed later by the statements sent through here) plus a margin. The server's own timeout
 * cannot help when the server does not answer at all (a network partition). A connection whose statement timed out
 * this way is destroyed at once: mysql2 would keep waiting for the lost answer and run every later statement queued
 * behind it — with no timeout running, as mysql2 starts a statement's timer only when the statement is sent.
 */
export function boundedMysqlPool(pool: Pool, startMs: number, acquireMs: number): MysqlPool {
  // One wrapper per mysql2 connection: Kysely keys its per-connection state (the session set-up) on it.
  const wrappers = new WeakMap<PoolConnection, MysqlPoolConnection>();
  // Connections with a statement out, and what `end` waits on for them to come back.
  const busy = new Set<PoolConnection>();
  let onIdle: (() => void) | undefined;
  const settled = (connection: PoolConnection): void => {
    busy.delete(connection);
    if (busy.size === 0) onIdle?.();
  };

  const wrap = (connection: PoolConnection): MysqlPoolConnection => {
    const known = wrappers.get(connection);
    if (known !== undefined) return known;
    const state: SessionState = { sessionMs: startMs, abandoned: false };

    function query(sql: string, parameters: unknown[]): StreamableQuery;
    function query(
      sql: string,
      parameters: unknown[],
      callback: (error: unknown, result: MysqlQueryResult) => void,
    ): void;
    function query(
      sql: string,
      parameters: unknown[],
      callback?: (error: unknown, result: MysqlQueryResult) => void,
    ): StreamableQuery | undefined {
      const timeout = clientStatementTimeoutMs(timeoutSetBy(sql, true) ?? state.sessionMs);
      const options = { sql, values: parameters, ...(timeout === undefined ? {} : { timeout }) };
      // Streaming is not used by the store; passed through for Kysely's interface.
      if (callback === undefined) return connection.query(options) as unknown as StreamableQuery;
      if (state.abandoned) {
        const error = new DatabaseTimeoutError('the connection was abandoned after a statement timed out');
        process.nextTick(() => callback(error, [] as MysqlQueryResult));
        return;
      }
      busy.add(connection);
      connection.query(options, (error: unknown, result: unknown) => {
        if (error === null || error === undefined) {
          const set = timeoutSetBy(sql, false);
          if (set !== undefined) state.sessionMs = set;
        } else if ((error as { code?: unknown }).code === QUERY_TIMEOUT_CODE) {
          state.abandoned = true;
          destroyConnection(connection);
        }
        // After the destroy: a waiting `end` may go on now, and must not find this connection in the pool.
        settled(connection);
        callback(error, result as MysqlQueryResult);
      });
    }

    const wrapper: MysqlPoolConnection = {
      query,
      release() {
        // A destroyed connection has left the pool already; releasing it would hand a dead one out again.
        if (!state.abandoned) connection.release();
      },
    };
    wrappers.set(connection, wrapper);
    return wrapper;
  };

  return {
    getConnection(callback) {
      let answered = false;
      const timer = setTimeout(() => {
        answered = true;
        callback(
          new DatabaseTimeoutError(`no database connection came free within ${acquireMs} ms`),
          undefined as never,
        );
      }, acquireMs);
      pool.getConnection((error, connection) => {
        if (answered) {
          // The caller gave up: the connection goes back for the next one.
          if (error === null) connection.release();
          return;
        }
        answered = true;
        clearTimeout(timer);
        if (error !== null) callback(error, undefined as never);
        else callback(null, wrap(connection));
      });
    },
    end(callback) {
      // mysql2 ends a connection with a QUIT queued behind its current statement, and a connection destroyed after
      // pool.end has begun never runs nor fails that QUIT: end would wait forever for a statement that timed out
      // meanwhile. Statements out get their client-side bound to come back first; one still out then is destroyed.
      const finish = (): void => {
        onIdle = undefined;
        clearTimeout(timer);
        for (const connection of busy) destroyConnection(connection);
        busy.clear();
        // A connection still being dialled through an outage fails its QUIT: the pool is closed all the same.
        pool.end((error) => callback(isDatabaseUnavailable(error) ? null : error));
      };
      const timer = setTimeout(finish, clientStatementTimeoutMs(startMs) ?? startMs);
      if (busy.size === 0) finish();
      else onIdle = finish;
    },
  };
}
