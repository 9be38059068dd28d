import type { UserRow } from '../store/types.js';
import type { AuthContext } from './context.js';
import type { TokenResponse } from '../schemas/tokens.js';
import { toUser } from './user-view.js';

/** Signs an access token for the user in session `sessionId` and makes the refresh token of `generation`. */
export async function issueTokens(
  ctx: AuthContext,
  user: UserRow,
  sessionId: string,
  generation: number,
): Promise<TokenResponse> {
  const { token, expiresIn } = await ctx.accessTokens.sign({ sub: user.id, appid: user.appid, sid: sessionId });
  return {
    accessToken: token,
    refreshToken: ctx.refreshTokens.issue(sessionId, generation),
    expiresIn,
    tokenType: 'Bearer',
    user: toUser(user),
  };
}
