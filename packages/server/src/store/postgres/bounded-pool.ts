import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { clientStatementTimeoutMs } from '../client-timeouts.js';
import { DatabaseTimeoutError } from '../unavailable.js';

// `select set_config('statement_timeout', $1 | '…', false | true)`, as the dialect lifts and restores the timeout.
const SET_CONFIG = /set_config\(\s*'statement_timeout'\s*,\s*(?:\$(\d+)|'([^']*)')\s*,\s*(true|false)\s*\)/i;
// `set [session | local] statement_timeout { = | to } value`, and `reset statement_timeout`.
const SET_STATEMENT = /^\s*set\s+(?:(session|local)\s+)?statement_timeout\s*(?:=|to)\s*(?:'([^']*)'|([\w.]+))/i;
const RESET_STATEMENT = /^\s*reset\s+(statement_timeout|all)\b/i;
const END_TRANSACTION = /^\s*(commit|end|abort|rollback)\s*(?:transaction|work)?\s*;?\s*$/i;
// PostgreSQL's duration syntax for a GUC in ms: a bare number is ms.
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/i;
const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** `value` of a `statement_timeout` assignment in ms; undefined when it is `default` (the session's start value). */
function durationMs(value: string): number | undefined {
  const match = DURATION.exec(value);
  if (match === null) return undefined;
  return Math.ceil(Number(match[1]) * UNIT_MS[(match[2] ?? 'ms').toLowerCase()]!);
}

/** What one connection's session says about its statement timeout, as far as statements sent through here tell. */
interface SessionState {
  /** `statement_timeout` of the session, ms (`0`: none). */
  sessionMs: number;
  /** A `SET LOCAL` one, until the transaction ends. */
  localMs: number | undefined;
  /** A statement timed out on the client: the connection may still be waiting for that answer, so it is dead. */
  abandoned: boolean;
}

/** Updates `state` after `sql` succeeded, when it changed the statement timeout or ended a transaction. */
function track(state: SessionState, sql: string, parameters: ReadonlyArray<unknown>, startMs: number): void {
  if (END_TRANSACTION.test(sql)) state.localMs = undefined;
  let local: boolean;
  let value: string | undefined;
  const call = SET_CONFIG.exec(sql);
  const set = call === null ? SET_STATEMENT.exec(sql) : null;
  if (call !== null) {
    value = call[1] === undefined ? call[2] : String(parameters[Number(call[1]) - 1]);
    local = call[3]!.toLowerCase() === 'true';
  } else if (set !== null) {
    value = set[2] ?? set[3];
    local = set[1]?.toLowerCase() === 'local';
  } else {
    if (RESET_STATEMENT.test(sql)) state.sessionMs = startMs;
    return;
  }
  const ms = value === undefined ? undefined : (durationMs(value) ?? startMs);
  if (ms === undefined) return;
  if (local) state.localMs = ms;
  else state.sessionMs = ms;
}

/**
 * pg's pool as Kysely sees it, with a client-side bound on every statement: the session's statement timeout (as set
 * at connect, `startMs`, and as changed later by the statements sent through here) plus a margin. The server's
 * `statement_timeout` cannot help when the server does not answer at all (a network partition): without this a query
 * would wait forever. A connection whose statement timed out this way is never used again — pg leaves it waiting for
 * the lost answer, and Kysely would otherwise hand it back to the pool, where every later query would queue behind
 * it — so it is destroyed when Kysely releases it, and statements sent to it meanwhile fail at once. Cursors
 * (Kysely's streaming) are not passed through: the store never streams.
 */
export function boundedPostgresPool(pool: Pool, startMs: number): PostgresPool {
  // One wrapper per pg client: Kysely keys its per-connection state on the object it is given.
  const wrappers = new WeakMap<PoolClient, PostgresPoolClient>();

  const wrap = (client: PoolClient): PostgresPoolClient => {
    const known = wrappers.get(client);
    if (known !== undefined) return known;
    const state: SessionState = { sessionMs: startMs, localMs: undefined, abandoned: false };
    const query = async (sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<unknown>> => {
      if (state.abandoned) throw new DatabaseTimeoutError('the connection was abandoned after a statement timed out');
      const timeout = clientStatementTimeoutMs(state.localMs ?? state.sessionMs);
      const config: QueryConfig & { query_timeout?: number } = {
        text: sql,
        values: [...parameters],
        ...(timeout === undefined ? {} : { query_timeout: timeout }),
      };
      try {
        const result = await client.query(config);
        track(state, sql, parameters, startMs);
        return result as unknown as PostgresQueryResult<unknown>;
      } catch (error) {
        if (error instanceof Error && error.message === 'Query read timeout') state.abandoned = true;
        throw error;
      }
    };
    const wrapper: PostgresPoolClient = {
      query: query as PostgresPoolClient['query'],
      release(destroy?: boolean) {
        // `client.release` is re-bound by pg-pool at every checkout: look it up now. `true` ends the client
        // (pg destroys the socket of a client with a query in flight) and frees its pool slot at once.
        client.release(destroy === true || state.abandoned);
      },
    };
    wrappers.set(client, wrapper);
    return wrapper;
  };

  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
