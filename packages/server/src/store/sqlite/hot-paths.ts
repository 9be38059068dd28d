import type BetterSqlite3 from 'better-sqlite3';
import { UniqueViolationError } from '../errors.js';
import type { HotPaths } from '../dialect.js';
import type { AuditEventRow } from '../port/audit.js';
import type { CompleteLoginResult } from '../port/complete-login.js';
import type { RotateResult, SessionRow } from '../port/sessions.js';
import type { UserRow } from '../port/users.js';
import { judgePresentation } from '../session-rotation.js';
import { unionidChangeEvent } from '../unionid-change.js';
import { uniqueViolationColumn } from './errors.js';
import type { GroupCommit } from './group-commit.js';
import { NEW_SESSION_COLUMNS, newSessionValues, SESSION_COLUMNS, selectList, USER_COLUMNS } from '../row-columns.js';

/**
 * The SQL of the hot paths, prepared once per connection. It is what the Kysely store builds for the same methods,
 * with the user's find-or-create and its `last_login_at` merged into one upsert, and the common refresh a single
 * compare-and-swap.
 */
function prepare(database: BetterSqlite3.Database) {
  const users = selectList(USER_COLUMNS, '"');
  const sessions = selectList(SESSION_COLUMNS, '"');
  return {
    claim: database.prepare(
      `INSERT INTO login_codes (code_hash, appid, state, nonce_hash, created_at, claimed_at, expires_at)
       VALUES (?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    // The unionid is not inserted: a unionid held by another row must not fail the login (it is handed over below).
    upsertUser: database.prepare(
      `INSERT INTO users (id, appid, openid, status, created_at, last_login_at, updated_at)
       VALUES (?, ?, ?, 'active', ?, ?, ?)
       ON CONFLICT (openid, appid) DO UPDATE SET last_login_at = excluded.last_login_at
       RETURNING ${users}`,
    ),
    unionidHolder: database.prepare('SELECT id FROM users WHERE unionid = ? AND appid = ? AND id <> ?'),
    setUnionid: database.prepare('UPDATE users SET unionid = ?, updated_at = ? WHERE id = ?'),
    upsertSessionKey: database.prepare(
      `INSERT INTO wechat_sessions (appid, openid, session_key_sealed, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (appid, openid) DO UPDATE SET
         session_key_sealed = excluded.session_key_sealed, updated_at = excluded.updated_at`,
    ),
    insertSession: database.prepare(
      `INSERT INTO refresh_families (${NEW_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    markDone: database.prepare("UPDATE login_codes SET state = 'done', user_id = ?, family_id = ? WHERE code_hash = ?"),
    markDoneIfHeld: database.prepare(
      `UPDATE login_codes SET state = 'done', user_id = ?, family_id = ?
       WHERE code_hash = ? AND state = 'pending' AND claimed_at = ?`,
    ),
    insertAudit: database.prepare(
      `INSERT INTO audit_events (id, at, actor, action, appid, user_id, detail_json)
       VALUES (@id, @at, @actor, @action, @appid, @userId, @detailJson)`,
    ),
    // Only the current generation of a live session moves; anything else is judged on the row as it stands.
    rotate: database.prepare(
      `UPDATE refresh_families SET generation = generation + 1, rotated_at = @now, last_used_at = @now,
         expires_at = MIN(@now + @ttl, absolute_expires_at)
       WHERE id = @id AND generation = @generation AND revoked_at IS NULL
         AND expires_at > @now AND absolute_expires_at > @now
       RETURNING ${sessions}`,
    ),
    revokeForReuse: database.prepare(
      "UPDATE refresh_families SET revoked_at = ?, revoked_reason = 'reuse' WHERE id = ? AND revoked_at IS NULL",
    ),
    getUser: database.prepare(`SELECT ${users} FROM users WHERE id = ?`),
    getSession: database.prepare(`SELECT ${sessions} FROM refresh_families WHERE id = ?`),
  };
}

/**
 * The hot paths of the SQLite store: prepared statements run synchronously (no query building, no connection mutex
 * outside a transaction), writes through {@link GroupCommit}. Same contract as the Kysely methods they replace; the
 * store suite runs both.
 */
export function sqliteHotPaths(database: BetterSqlite3.Database, group: GroupCommit): HotPaths {
  // Prepared on first use: the tables exist only once the store migrated.
  let prepared: ReturnType<typeof prepare> | undefined;
  const statements = () => (prepared ??= prepare(database));
  const insertAudit = (event: AuditEventRow): void => void statements().insertAudit.run(event);
  return {
    claimLoginCode: (row) =>
      group.run(
        () =>
          statements().claim.run(row.codeHash, row.appid, row.nonceHash, row.createdAt, row.createdAt, row.expiresAt)
            .changes === 1,
      ),

    completeLogin(input) {
      const { appid, openid, now } = input;
      return group.run((): CompleteLoginResult => {
        const sql = statements();
        try {
          let user = sql.upsertUser.get(input.newUserId, appid, openid, now, now, now) as UserRow;
          const isNew = user.id === input.newUserId;
          if (input.unionid !== null && input.unionid !== user.unionid) {
            // WeChat's answer is the truth: a row of this app still holding the unionid is stale, so it gives it up.
            const holder = sql.unionidHolder.get(input.unionid, appid, user.id) as { id: string } | undefined;
            if (holder !== undefined) sql.setUnionid.run(null, now, holder.id);
            const event = unionidChangeEvent({ ...input, unionid: input.unionid }, user, holder?.id);
            if (event !== undefined) insertAudit(event);
            sql.setUnionid.run(input.unionid, now, user.id);
            user = { ...user, unionid: input.unionid, updatedAt: now };
          }
          sql.upsertSessionKey.run(appid, openid, input.sessionKeySealed, now);
          if (user.status !== 'active') return { user, isNew, sessionCreated: false };

          const s = input.session;
          sql.insertSession.run(...newSessionValues(s, user.id));
          if (input.claimedAt === undefined) sql.markDone.run(user.id, s.id, input.codeHash);
          else sql.markDoneIfHeld.run(user.id, s.id, input.codeHash, input.claimedAt);
          return { user, isNew, sessionCreated: true };
        } catch (error) {
          const column = uniqueViolationColumn(error);
          throw column === undefined ? error : new UniqueViolationError(column);
        }
      });
    },

    rotateSession(input) {
      const { sessionId: id, generation } = input;
      return group.run((): RotateResult => {
        const sql = statements();
        // Inside the group's transaction: the stamp is the time the rotation commits, not when the request began.
        const now = input.clock();
        const rotated = sql.rotate.get({ id, generation, now, ttl: input.refreshTtlMs }) as SessionRow | undefined;
        if (rotated !== undefined) return { kind: 'rotated', session: rotated };
        // Nobody else writes inside this transaction: the row read now is the one the swap was refused on.
        const session = sql.getSession.get(id) as SessionRow | undefined;
        if (session === undefined) return { kind: 'not_found' };
        const verdict = judgePresentation(session, generation, now, input.graceMs);
        if (verdict === 'grace') return { kind: 'grace', session };
        // 'rotate' cannot be: the swap above would have taken it.
        if (verdict !== 'reuse') return { kind: 'expired' };
        sql.revokeForReuse.run(now, id);
        insertAudit({ ...input.reuseAudit, at: now, appid: session.appid, userId: session.userId });
        return { kind: 'reused', session: { ...session, revokedAt: now, revokedReason: 'reuse' } };
      });
    },

    getUser: (id) => group.read(() => statements().getUser.get(id) as UserRow | undefined),
    getSession: (id) => group.read(() => statements().getSession.get(id) as SessionRow | undefined),
  };
}
