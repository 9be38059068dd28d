import { AppError } from '../errors/app-error.js';
import type { UserRow } from '../store/types.js';
import type { AuthContext } from './context.js';

/**
 * The token's user as the database holds it now: `UNAUTHORIZED` when it is gone (deleted since the token was
 * issued), `USER_DISABLED` when disabled. The bearer check says the same from a cache of ≤ 5 s; routes that act on
 * the row (phone, decrypt) read it fresh anyway, so they judge it fresh too.
 */
export async function activeUser(ctx: AuthContext, userId: string): Promise<UserRow> {
  const row = await ctx.store.getUser(userId);
  if (!row) throw new AppError('UNAUTHORIZED', 'The session has ended.');
  if (row.status === 'disabled') throw new AppError('USER_DISABLED');
  return row;
}
