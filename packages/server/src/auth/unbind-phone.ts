import type { UserRow } from '../store/types.js';
import type { AuthContext } from './context.js';
import { phoneLast4 } from './phone-e164.js';
import type { LifecycleActor } from './user-lifecycle.js';

/** Audit action of an operator's unbind (detail: the last 4 digits, never the number). */
export const PHONE_UNBOUND_ACTION = 'phone.unbound';

/**
 * Removes a user's phone number, audited as `phone.unbound` with its last 4 digits only (like `phone.bound`).
 * Undefined when there is no such user; a user without a number is answered unchanged (still audited, as the
 * operator's action).
 */
export async function unbindPhone(
  ctx: AuthContext,
  userId: string,
  actor: LifecycleActor,
): Promise<UserRow | undefined> {
  const before = await ctx.store.getUser(userId);
  if (!before) return undefined;
  const now = ctx.clock();
  const user = before.phoneE164 === null ? before : await ctx.store.setPhone(userId, null, now);
  if (!user) return undefined;
  await ctx.store.insertAudit({
    id: ctx.newId(),
    at: now,
    actor,
    action: PHONE_UNBOUND_ACTION,
    appid: user.appid,
    userId,
    detailJson: JSON.stringify({ last4: before.phoneE164 === null ? null : phoneLast4(before.phoneE164) }),
  });
  return user;
}
