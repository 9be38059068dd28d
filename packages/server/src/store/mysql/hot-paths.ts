import { CompiledQuery, type Kysely } from 'kysely';
import { NEW_SESSION_COLUMNS, newSessionValues, SESSION_COLUMNS, selectList, USER_COLUMNS } from '../row-columns.js';
import { internalError } from '../../errors/app-error.js';
import type { HotPaths } from '../dialect.js';
import type { AuditEventRow } from '../port/audit.js';
import type { RotateResult, RotateSessionInput, SessionRow } from '../port/sessions.js';
import type { UserRow } from '../port/users.js';
import type { Database } from '../schema.js';
import { judgePresentation, rotatedColumns } from '../session-rotation.js';
import type { StoreContext } from '../store-context.js';
import { unionidChangeEvent } from '../unionid-change.js';

/** Re-judgements of one refresh presentation after losing a race; more means something is wrong. */
const ROTATE_ATTEMPTS = 5;

const USERS = selectList(USER_COLUMNS, '`');
const SESSIONS = selectList(SESSION_COLUMNS, '`');

// As `upsert.ts`'s insertIgnore: the values are validated and bounded, and the row counts, not the warnings.
const CLAIM = `INSERT IGNORE INTO login_codes (code_hash, appid, state, nonce_hash, created_at, claimed_at, expires_at)
  VALUES (?, ?, 'pending', ?, ?, ?, ?)`;

// The unionid is not inserted: a unionid held by another row must not fail the login (it is handed over below), and
// a duplicate on that key would make ON DUPLICATE KEY UPDATE merge into the holder's row. Only (openid, appid) can
// collide here (the id is new, unionid and phone are NULL).
const UPSERT_USER = `INSERT INTO users (id, appid, openid, status, created_at, last_login_at, updated_at)
  VALUES (?, ?, ?, 'active', ?, ?, ?) ON DUPLICATE KEY UPDATE last_login_at = VALUES(last_login_at)`;

/** Another row of the app holding the unionid WeChat gave, read with the user: `?` unionid, appid, openid. */
const HOLDER = '(SELECT h.id FROM users h WHERE h.unionid = ? AND h.appid = ? AND h.openid <> ?) AS holderId';

// MariaDB 10.5+ answers the row the upsert left (inserted or updated) in the same statement.
const UPSERT_USER_RETURNING = `${UPSERT_USER} RETURNING ${USERS}, ${HOLDER}`;
const SELECT_USER_BY_OPENID = `SELECT ${USERS}, ${HOLDER} FROM users WHERE openid = ? AND appid = ?`;

const SET_UNIONID = 'UPDATE users SET unionid = ?, updated_at = ? WHERE id = ?';

const INSERT_AUDIT = `INSERT INTO audit_events (id, at, actor, action, appid, user_id, detail_json)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;

const UPSERT_SESSION_KEY = `INSERT INTO wechat_sessions (appid, openid, session_key_sealed, updated_at)
  VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE
    session_key_sealed = VALUES(session_key_sealed), updated_at = VALUES(updated_at)`;

const INSERT_SESSION = `INSERT INTO refresh_families (${NEW_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

// `markLoginCodeDone`: with a claim, only while the row is still pending under it.
const MARK_DONE = `UPDATE login_codes SET state = 'done', user_id = ?, family_id = ?
  WHERE code_hash = ? AND (? IS NULL OR (state = 'pending' AND claimed_at = ?))`;

// The compare-and-swap of a rotation judged on the row read just before: it moves only if nobody moved it since.
const ROTATE = `UPDATE refresh_families SET generation = ?, rotated_at = ?, last_used_at = ?, expires_at = ?
  WHERE id = ? AND generation = ? AND revoked_at IS NULL`;

const REVOKE_FOR_REUSE = `UPDATE refresh_families SET revoked_at = ?, revoked_reason = 'reuse'
  WHERE id = ? AND revoked_at IS NULL`;

const GET_USER = `SELECT ${USERS} FROM users WHERE id = ?`;
const GET_SESSION = `SELECT ${SESSIONS} FROM refresh_families WHERE id = ?`;

/** True for a server whose `INSERT` takes `RETURNING`: MariaDB 10.5 and later (MySQL 8 has none). */
function insertReturningIn(version: string): boolean {
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (match === null || !/mariadb/i.test(version)) return false;
  const major = Number(match[1]);
  return major > 10 || (major === 10 && Number(match[2]) >= 5);
}

/** The rows of one precompiled statement, run without Kysely's plugins (the SQL aliases every column itself). */
async function rows<R>(db: Kysely<Database>, sql: string, parameters: unknown[]): Promise<R[]> {
  return (await db.executeQuery<R>(CompiledQuery.raw(sql, parameters))).rows;
}

/** How many rows one precompiled write changed. */
async function affected(db: Kysely<Database>, sql: string, parameters: unknown[]): Promise<bigint | undefined> {
  return (await db.executeQuery(CompiledQuery.raw(sql, parameters))).numAffectedRows;
}

/**
 * The hot paths of the MySQL/MariaDB store: SQL written once, run without query building or row mapping. Without
 * `UPDATE … RETURNING` or data-modifying CTEs, a login stays one transaction of single statements (its user's
 * find-or-create and `last_login_at` merged into one upsert, read back by the same statement on MariaDB 10.5+); a
 * refresh is a read and a compare-and-swap on one connection, with no transaction around them. `ctx` is the store
 * context of the dialect (its transaction's retries and error mapping). Same contract as the Kysely methods they
 * replace; the store suite runs them.
 */
export function mysqlHotPaths(ctx: StoreContext): HotPaths {
  const db = ctx.db.withoutPlugins();

  // Asked of the server once, at the first login; asked again after a failure.
  let insertReturning: Promise<boolean> | undefined;
  const hasInsertReturning = (): Promise<boolean> =>
    (insertReturning ??= rows<{ v: unknown }>(db, 'SELECT VERSION() AS v', []).then(
      ([row]) => insertReturningIn(String(row?.v)),
      (error: unknown) => {
        insertReturning = undefined;
        throw error;
      },
    ));

  const insertAudit = (trx: Kysely<Database>, e: AuditEventRow) =>
    affected(trx, INSERT_AUDIT, [e.id, e.at, e.actor, e.action, e.appid, e.userId, e.detailJson]);

  /** Revokes a reused session with its audit row, in one transaction on `conn`; false when it was revoked already. */
  const revokeForReuse = (conn: Kysely<Database>, input: RotateSessionInput, session: SessionRow, now: number) =>
    conn.transaction().execute(async (trx) => {
      if ((await affected(trx, REVOKE_FOR_REUSE, [now, input.sessionId])) !== 1n) return false;
      // The caller cannot know whose session it is before the read: the audit row names it.
      await insertAudit(trx, { ...input.reuseAudit, at: now, appid: session.appid, userId: session.userId });
      return true;
    });

  /** One run of the rotation on one connection, with the clock read once it is ours. */
  const rotateOnce = (input: RotateSessionInput): Promise<RotateResult> =>
    db.connection().execute(async (conn) => {
      const { sessionId: id, generation } = input;
      for (let attempt = 0; attempt < ROTATE_ATTEMPTS; attempt++) {
        // Here, on a connection of our own: the pool wait is behind us, so the stamp is the time the swap runs.
        const now = input.clock();
        // Read committed (set per session): after a lost compare-and-swap this read sees the winner's row, and the
        // presentation is judged again against it.
        const [session] = await rows<SessionRow>(conn, GET_SESSION, [id]);
        if (session === undefined) return { kind: 'not_found' };
        const verdict = judgePresentation(session, generation, now, input.graceMs);
        if (verdict === 'expired') return { kind: 'expired' };
        if (verdict === 'grace') return { kind: 'grace', session };
        if (verdict === 'rotate') {
          const next = rotatedColumns(session, now, input.refreshTtlMs);
          const swapped = await affected(conn, ROTATE, [
            next.generation,
            next.rotatedAt,
            next.lastUsedAt,
            next.expiresAt,
            id,
            session.generation,
          ]);
          // Nothing else changes on a live session: the row read plus the swap is the row as the swap left it.
          if (swapped === 1n) return { kind: 'rotated', session: { ...session, ...next } };
          continue;
        }
        if (await revokeForReuse(conn, input, session, now)) {
          return { kind: 'reused', session: { ...session, revokedAt: now, revokedReason: 'reuse' } };
        }
      }
      throw internalError(`session rotation did not settle after ${ROTATE_ATTEMPTS} attempts`);
    });

  return {
    claimLoginCode: async (row) =>
      (await affected(db, CLAIM, [
        row.codeHash,
        row.appid,
        row.nonceHash,
        row.createdAt,
        row.createdAt,
        row.expiresAt,
      ])) === 1n,

    async completeLogin(input) {
      const returning = await hasInsertReturning();
      const { appid, openid, now } = input;
      return ctx.transaction(
        async (transaction) => {
          const trx = transaction.withoutPlugins();
          const upsert = [input.newUserId, appid, openid, now, now, now];
          const holder = [input.unionid, appid, openid];
          let found: (UserRow & { holderId: string | null }) | undefined;
          if (returning) {
            [found] = await rows(trx, UPSERT_USER_RETURNING, [...upsert, ...holder]);
          } else {
            await affected(trx, UPSERT_USER, upsert);
            [found] = await rows(trx, SELECT_USER_BY_OPENID, [...holder, openid, appid]);
          }
          if (found === undefined) throw internalError('the user upsert left no row');
          const { holderId, ...stored } = found;
          let user: UserRow = stored;
          if (input.unionid !== null && input.unionid !== user.unionid) {
            // WeChat's answer is the truth: a row of this app still holding the unionid is stale, so it gives it up.
            if (holderId !== null) await affected(trx, SET_UNIONID, [null, now, holderId]);
            const event = unionidChangeEvent({ ...input, unionid: input.unionid }, user, holderId ?? undefined);
            if (event !== undefined) await insertAudit(trx, event);
            await affected(trx, SET_UNIONID, [input.unionid, now, user.id]);
            user = { ...user, unionid: input.unionid, updatedAt: now };
          }
          await affected(trx, UPSERT_SESSION_KEY, [appid, openid, input.sessionKeySealed, now]);
          const isNew = user.id === input.newUserId;
          if (user.status !== 'active') return { user, isNew, sessionCreated: false };

          const s = input.session;
          await affected(trx, INSERT_SESSION, newSessionValues(s, user.id));
          const claimedAt = input.claimedAt ?? null;
          await affected(trx, MARK_DONE, [user.id, s.id, input.codeHash, claimedAt, claimedAt]);
          return { user, isNew, sessionCreated: true };
        },
        { retryUniqueViolation: true },
      );
    },

    // A run either committed what it answers or wrote nothing (the reuse transaction rolled back): running it
    // again, read and judgement included, is safe.
    rotateSession: (input) => ctx.retrying(() => rotateOnce(input)),

    getUser: async (id) => (await rows<UserRow>(db, GET_USER, [id]))[0],
    getSession: async (id) => (await rows<SessionRow>(db, GET_SESSION, [id]))[0],
  };
}
