import { CompiledQuery, type Kysely } from 'kysely';
import { SESSION_COLUMNS, USER_COLUMNS, selectList } from '../row-columns.js';
import { internalError } from '../../errors/app-error.js';
import { bounded } from '../column-bounds.js';
import type { HotPaths } from '../dialect.js';
import type { AuditEventRow } from '../port/audit.js';
import type { CompleteLoginInput, CompleteLoginResult } from '../port/complete-login.js';
import type { RotateResult, RotateSessionInput, SessionRow } from '../port/sessions.js';
import type { UserRow } from '../port/users.js';
import type { Database } from '../schema.js';
import { judgePresentation } from '../session-rotation.js';
import type { StoreContext } from '../store-context.js';
import { unionidChangeEvent } from '../unionid-change.js';

/** Re-judgements of one refresh presentation after losing a race; more means something is wrong. */
const ROTATE_ATTEMPTS = 5;

const USERS = selectList(USER_COLUMNS, '"');
const SESSIONS = selectList(SESSION_COLUMNS, '"');

// Every parameter is cast: one used in two places must have one type, and a bare `$n` in a SELECT list (the
// INSERT … SELECT below) would be taken as text.

const CLAIM = `INSERT INTO login_codes (code_hash, appid, state, nonce_hash, created_at, claimed_at, expires_at)
  VALUES ($1::text, $2::text, 'pending', $3::text, $4::bigint, $4::bigint, $5::bigint) ON CONFLICT DO NOTHING`;

/**
 * The rest of a login once its user is known as `u` (`id`, `status`): the session_key upsert always, the session and
 * the memo (`markLoginCodeDone`'s claim fence) only for an active user. `$1`…`$16` are {@link loginParameters}.
 */
const LOGIN_REST = `
  k AS (
    INSERT INTO wechat_sessions (appid, openid, session_key_sealed, updated_at)
    SELECT $1::text, $2::text, $4::text, $3::bigint FROM u
    ON CONFLICT (appid, openid) DO UPDATE SET
      session_key_sealed = EXCLUDED.session_key_sealed, updated_at = EXCLUDED.updated_at
  ),
  s AS (
    INSERT INTO refresh_families (id, appid, user_id, generation, rotated_at, last_used_at, expires_at,
      absolute_expires_at, created_ip, user_agent, created_at)
    SELECT $5::text, $6::text, u.id, $7::integer, $8::bigint, $9::bigint, $10::bigint, $11::bigint, $12::text,
      $13::text, $14::bigint
    FROM u WHERE u.status = 'active'
  ),
  m AS (
    UPDATE login_codes SET state = 'done', user_id = u.id, family_id = $5::text
    FROM u
    WHERE u.status = 'active' AND login_codes.code_hash = $15::text
      AND ($16::bigint IS NULL OR (login_codes.state = 'pending' AND login_codes.claimed_at = $16::bigint))
  )`;

/**
 * The whole common login in one statement, atomic by itself: the user's find-or-create (with `last_login_at`) and a
 * unionid WeChat gives for the first time, then {@link LOGIN_REST}. `$17` is the new user's id, `$18` the unionid.
 * When the unionid must be taken from another row or replaces a stored one (the audited hand-over), the guards make
 * `u` empty, nothing is written, and no row comes back: the login then runs as a transaction.
 */
const LOGIN = `WITH u AS (
    INSERT INTO users AS t (id, appid, openid, unionid, status, created_at, last_login_at, updated_at)
    SELECT $17::text, $1::text, $2::text, $18::text, 'active', $3::bigint, $3::bigint, $3::bigint
    WHERE NOT EXISTS (
      SELECT 1 FROM users h WHERE h.unionid = $18::text AND h.appid = $1::text AND h.openid <> $2::text
    )
    ON CONFLICT (openid, appid) DO UPDATE SET
      last_login_at = EXCLUDED.last_login_at,
      unionid = COALESCE(t.unionid, EXCLUDED.unionid),
      updated_at = CASE WHEN t.unionid IS NULL AND EXCLUDED.unionid IS NOT NULL THEN EXCLUDED.updated_at
        ELSE t.updated_at END
    WHERE EXCLUDED.unionid IS NULL OR t.unionid IS NULL OR t.unionid = EXCLUDED.unionid
    RETURNING ${USERS}
  ),${LOGIN_REST}
  SELECT * FROM u`;

/** {@link LOGIN_REST} for a user found earlier in the transaction: `$17` its id, `$18` its status. */
const LOGIN_REST_FOR = `WITH u AS (SELECT $17::text AS id, $18::text AS status),${LOGIN_REST}
  SELECT 1`;

// The unionid is not inserted: a unionid held by another row must not fail the login (it is handed over below). The
// row that holds the unionid WeChat gave comes back with it.
const UPSERT_USER = `INSERT INTO users AS t (id, appid, openid, status, created_at, last_login_at, updated_at)
  VALUES ($1::text, $2::text, $3::text, 'active', $4::bigint, $4::bigint, $4::bigint)
  ON CONFLICT (openid, appid) DO UPDATE SET last_login_at = EXCLUDED.last_login_at
  RETURNING ${USERS},
    (SELECT h.id FROM users h WHERE h.unionid = $5::text AND h.appid = $2::text AND h.id <> t.id) AS "holderId"`;

const SET_UNIONID = 'UPDATE users SET unionid = $1::text, updated_at = $2::bigint WHERE id = $3::text';

const INSERT_AUDIT = `INSERT INTO audit_events (id, at, actor, action, appid, user_id, detail_json)
  VALUES ($1::text, $2::bigint, $3::text, $4::text, $5::text, $6::text, $7::text)`;

// Only the current generation of a live session moves; anything else is judged on the row as it stands.
const ROTATE = `UPDATE refresh_families SET generation = generation + 1, rotated_at = $1::bigint,
    last_used_at = $1::bigint, expires_at = LEAST($1::bigint + $2::bigint, absolute_expires_at)
  WHERE id = $3::text AND generation = $4::integer AND revoked_at IS NULL
    AND expires_at > $1::bigint AND absolute_expires_at > $1::bigint
  RETURNING ${SESSIONS}`;

// The revocation and its audit row stand or fall together, in one statement; the audit row names the session's app
// and user, which only the row knows.
const REVOKE_FOR_REUSE = `WITH r AS (
    UPDATE refresh_families SET revoked_at = $1::bigint, revoked_reason = 'reuse'
    WHERE id = $2::text AND revoked_at IS NULL
    RETURNING ${SESSIONS}
  ), a AS (
    INSERT INTO audit_events (id, at, actor, action, appid, user_id, detail_json)
    SELECT $3::text, $1::bigint, $4::text, $5::text, r.appid, r."userId", $6::text FROM r
  )
  SELECT * FROM r`;

const GET_USER = `SELECT ${USERS} FROM users WHERE id = $1::text`;
const GET_SESSION = `SELECT ${SESSIONS} FROM refresh_families WHERE id = $1::text`;

/** `$1`…`$16` of {@link LOGIN_REST}. */
function loginParameters(input: CompleteLoginInput): unknown[] {
  const s = input.session;
  return [
    input.appid,
    input.openid,
    input.now,
    input.sessionKeySealed,
    s.id,
    s.appid,
    s.generation,
    s.rotatedAt,
    s.lastUsedAt,
    s.expiresAt,
    s.absoluteExpiresAt,
    bounded(s.createdIp, 64),
    bounded(s.userAgent, 512),
    s.createdAt,
    input.codeHash,
    input.claimedAt ?? null,
  ];
}

/** The rows of one precompiled statement, run without Kysely's plugins (the SQL aliases every column itself). */
async function rows<R>(db: Kysely<Database>, sql: string, parameters: unknown[]): Promise<R[]> {
  return (await db.executeQuery<R>(CompiledQuery.raw(sql, parameters))).rows;
}

/**
 * The hot paths of the PostgreSQL store: SQL written once, run without query building or row mapping, each method in
 * as few round trips as its guarantees allow. A login is one autocommit statement (the transaction below only for
 * the audited unionid hand-over); a refresh is one compare-and-swap, judged again on the row only when it moved
 * nothing. `ctx` is the store context of the dialect (its transaction's retries and error mapping). Same contract as
 * the Kysely methods they replace; the store suite runs them.
 */
export function postgresHotPaths(ctx: StoreContext): HotPaths {
  const { dialect } = ctx;
  const db = ctx.db.withoutPlugins();

  const insertAudit = (trx: Kysely<Database>, e: AuditEventRow) =>
    rows(trx, INSERT_AUDIT, [e.id, e.at, e.actor, e.action, e.appid, e.userId, e.detailJson]);

  /** The login as a transaction: the user first, the audited unionid hand-over, then the rest in one statement. */
  const completeInTransaction = (input: CompleteLoginInput): Promise<CompleteLoginResult> =>
    ctx.transaction(
      async (transaction) => {
        const trx = transaction.withoutPlugins();
        const { appid, openid, now } = input;
        const [found] = await rows<UserRow & { holderId: string | null }>(trx, UPSERT_USER, [
          input.newUserId,
          appid,
          openid,
          now,
          input.unionid,
        ]);
        if (found === undefined) throw internalError('the user upsert returned no row');
        const { holderId, ...stored } = found;
        let user: UserRow = stored;
        if (input.unionid !== null && input.unionid !== user.unionid) {
          // WeChat's answer is the truth: a row of this app still holding the unionid is stale, so it gives it up.
          if (holderId !== null) await rows(trx, SET_UNIONID, [null, now, holderId]);
          const event = unionidChangeEvent({ ...input, unionid: input.unionid }, user, holderId ?? undefined);
          if (event !== undefined) await insertAudit(trx, event);
          await rows(trx, SET_UNIONID, [input.unionid, now, user.id]);
          user = { ...user, unionid: input.unionid, updatedAt: now };
        }
        await rows(trx, LOGIN_REST_FOR, [...loginParameters(input), user.id, user.status]);
        return { user, isNew: user.id === input.newUserId, sessionCreated: user.status === 'active' };
      },
      { retryUniqueViolation: true },
    );

  /** One run of the rotation on one connection, with the clock read once it is ours. */
  const rotateOnce = (input: RotateSessionInput): Promise<RotateResult> =>
    db.connection().execute(async (conn) => {
      const { sessionId: id, generation } = input;
      for (let attempt = 0; attempt < ROTATE_ATTEMPTS; attempt++) {
        // Here, right before the statement: the pool wait is behind us, so the stamp is the time the swap runs.
        const [rotated] = await rows<SessionRow>(conn, ROTATE, [input.clock(), input.refreshTtlMs, id, generation]);
        if (rotated !== undefined) return { kind: 'rotated', session: rotated };
        // The swap moved nothing: judge the presentation on the row as committed now (read committed), at a fresh
        // clock; a row that changed meanwhile is judged again on the next turn.
        const now = input.clock();
        const [session] = await rows<SessionRow>(conn, GET_SESSION, [id]);
        if (session === undefined) return { kind: 'not_found' };
        const verdict = judgePresentation(session, generation, now, input.graceMs);
        if (verdict === 'expired') return { kind: 'expired' };
        if (verdict === 'grace') return { kind: 'grace', session };
        if (verdict === 'rotate') continue;
        const audit = input.reuseAudit;
        const [revoked] = await rows<SessionRow>(conn, REVOKE_FOR_REUSE, [
          now,
          id,
          audit.id,
          audit.actor,
          audit.action,
          audit.detailJson,
        ]);
        if (revoked !== undefined) return { kind: 'reused', session: revoked };
      }
      throw internalError(`session rotation did not settle after ${ROTATE_ATTEMPTS} attempts`);
    });

  return {
    claimLoginCode: async (row) => {
      const result = await db.executeQuery(
        CompiledQuery.raw(CLAIM, [row.codeHash, row.appid, row.nonceHash, row.createdAt, row.expiresAt]),
      );
      return result.numAffectedRows === 1n;
    },

    async completeLogin(input) {
      let found: UserRow | undefined;
      try {
        [found] = await rows<UserRow>(db, LOGIN, [...loginParameters(input), input.newUserId, input.unionid]);
      } catch (error) {
        // A concurrent login took the unionid after this statement looked (the transaction sees its row), or a
        // deadlock victim: the transaction runs it again. Anything else fails the login as it would there.
        if (!dialect.isRetryable(error) && dialect.uniqueViolationColumn(error) === undefined) {
          throw ctx.mapError(error);
        }
      }
      // Nothing was written: the whole login runs again as a transaction.
      if (found === undefined) return completeInTransaction(input);
      return { user: found, isNew: found.id === input.newUserId, sessionCreated: found.status === 'active' };
    },

    // Each run either committed one statement and answered, or wrote nothing: running it again is safe.
    rotateSession: (input) => ctx.retrying(() => rotateOnce(input)),

    getUser: async (id) => (await rows<UserRow>(db, GET_USER, [id]))[0],
    getSession: async (id) => (await rows<SessionRow>(db, GET_SESSION, [id]))[0],
  };
}
