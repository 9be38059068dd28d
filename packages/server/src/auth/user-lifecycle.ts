import { createHash } from 'node:crypto';
import { AppError } from '../errors/app-error.js';
import type { UserRow } from '../store/types.js';
import type { AccessTokenClaims } from '../tokens/access-token.js';
import type { AuthContext } from './context.js';

/** Who acts on a user: the operator through the admin API, or the user itself (`user:<id>`). */
export type LifecycleActor = 'admin' | `user:${string}`;

/**
 * SHA-256 (hex) of `appid|value`: how an audit event names an openid that must not stay readable (a deleted
 * account's). The appid is part of it because openids are per app.
 */
export function auditHash(appid: string, value: string): string {
  return createHash('sha256').update(`${appid}|${value}`).digest('hex');
}

/**
 * Account deletion (docs/api.md "Account deletion"): in one transaction the user's sessions are revoked, its
 * session_key and its row deleted, and a `user.deleted` audit event written with the openid hashed. A later
 * `wx.login()` of the same WeChat user creates a new user id. False when there is no such user.
 */
export async function deleteUser(ctx: AuthContext, userId: string, actor: LifecycleActor): Promise<boolean> {
  const user = await ctx.store.getUser(userId);
  if (!user) return false;
  const deleted = await ctx.store.deleteUser(userId, {
    id: ctx.newId(),
    at: ctx.clock(),
    actor,
    action: 'user.deleted',
    appid: user.appid,
    userId,
    detailJson: JSON.stringify({
      openidHash: auditHash(user.appid, user.openid),
      ...(user.unionid === null ? {} : { unionidHash: auditHash(user.appid, user.unionid) }),
    }),
  });
  ctx.sessions.forgetUser(userId); // this instance at once; with Redis, the others too (revocation fan-out)
  return deleted;
}

/**
 * `DELETE /v1/me`: the token's user deletes its own account (actor `user:<id>`). Call it with claims that
 * `verifyAccessToken` accepted (so a disabled user cannot). `UNAUTHORIZED` when the user is gone already.
 */
export async function deleteMe(ctx: AuthContext, claims: AccessTokenClaims): Promise<void> {
  if (!(await deleteUser(ctx, claims.sub, `user:${claims.sub}`)))
    throw new AppError('UNAUTHORIZED', 'The session has ended.');
}

/**
 * Disables a user (every session revoked in the same transaction, by the store) or enables it again, audited as
 * `user.disabled` / `user.enabled`. Answers the updated user, or undefined when there is no such user.
 */
export async function setUserDisabled(
  ctx: AuthContext,
  userId: string,
  change: { disabled: boolean; reason?: string | null; actor: LifecycleActor },
): Promise<UserRow | undefined> {
  const now = ctx.clock();
  const reason = change.disabled ? (change.reason ?? null) : null;
  const user = await ctx.store.setUserStatus(userId, change.disabled ? 'disabled' : 'active', reason, now);
  ctx.sessions.forgetUser(userId); // this instance at once; with Redis, the others too (revocation fan-out)
  if (!user) return undefined;
  await ctx.store.insertAudit({
    id: ctx.newId(),
    at: now,
    actor: change.actor,
    action: change.disabled ? 'user.disabled' : 'user.enabled',
    appid: user.appid,
    userId,
    detailJson: change.disabled ? JSON.stringify({ reason }) : null,
  });
  return user;
}

/** Ends every session of a user, audited as `user.sessions_revoked`. Undefined when there is no such user. */
export async function revokeUserSessions(
  ctx: AuthContext,
  userId: string,
  actor: LifecycleActor,
): Promise<number | undefined> {
  const user = await ctx.store.getUser(userId);
  if (!user) return undefined;
  const now = ctx.clock();
  const revoked = await ctx.store.revokeUserSessions(userId, 'admin_revoked', now);
  ctx.sessions.forgetUser(userId); // this instance at once; with Redis, the others too (revocation fan-out)
  await ctx.store.insertAudit({
    id: ctx.newId(),
    at: now,
    actor,
    action: 'user.sessions_revoked',
    appid: user.appid,
    userId,
    detailJson: JSON.stringify({ revoked }),
  });
  return revoked;
}

/**
 * Ends one session of a user (a stolen device), audited as `session.revoked`: its refresh token answers
 * `SESSION_EXPIRED` and its access tokens are refused. Answers 1, or 0 when it had ended already; undefined when
 * the user has no such session.
 */
export async function revokeUserSession(
  ctx: AuthContext,
  userId: string,
  sessionId: string,
  actor: LifecycleActor,
): Promise<number | undefined> {
  const session = await ctx.store.getSession(sessionId);
  if (session?.userId !== userId) return undefined;
  const now = ctx.clock();
  const revoked = await ctx.store.revokeSession(sessionId, 'admin_revoked', now);
  ctx.sessions.forgetSession(sessionId); // this instance at once; with Redis, the others too (revocation fan-out)
  if (revoked) {
    await ctx.store.insertAudit({
      id: ctx.newId(),
      at: now,
      actor,
      action: 'session.revoked',
      appid: session.appid,
      userId,
      detailJson: JSON.stringify({ sessionId }),
    });
  }
  return revoked ? 1 : 0;
}
