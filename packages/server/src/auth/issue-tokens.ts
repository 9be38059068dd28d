import type { UserRow } from '../store/types.js';
import type { AuthContext } from './context.js';
import type { TokenResponse } from '../schemas/tokens.js';
import { toUser } from './user-view.js';

/** Signs an access token for the user in session `familyId` and makes the refresh token of `generation`. */
export async function issueTokens(
  ctx: AuthContext,
  user: UserRow,
  familyId: string,
  generation: number,
): Promise<TokenResponse> {
  const { token, expiresIn } = await ctx.accessTokens.sign({ sub: user.id, appid: user.appid, sid: familyId });
  return {
    accessToken: token,
    refreshToken: ctx.refreshTokens.issue(familyId, generation),
    expiresIn,
    tokenType: 'Bearer',
    user: toUser(user),
  };
}
