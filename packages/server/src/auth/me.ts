import { AppError } from '../errors/app-error.js';
import type { ProfilePatch, User } from '../schemas/user.js';
import type { AccessTokenClaims } from '../tokens/access-token.js';
import { activeUser } from './active-user.js';
import type { AuthContext } from './context.js';
import { validateProfilePatch } from './profile-patch.js';
import { toUser } from './user-view.js';

/** `GET /v1/me`: the token's user, read fresh. */
export async function me(ctx: AuthContext, claims: AccessTokenClaims): Promise<User> {
  return toUser(await activeUser(ctx, claims.sub));
}

/** `PATCH /v1/me`: the patch validated, then applied to the token's user if it is still active. */
export async function updateMe(ctx: AuthContext, claims: AccessTokenClaims, patch: ProfilePatch): Promise<User> {
  const valid = validateProfilePatch(patch);
  await activeUser(ctx, claims.sub);
  const row = await ctx.store.updateProfile(claims.sub, valid, ctx.clock());
  // Deleted between the read and the update.
  if (!row) throw new AppError('UNAUTHORIZED', 'The session has ended.');
  return toUser(row);
}
