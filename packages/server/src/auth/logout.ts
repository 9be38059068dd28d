import type { AccessTokenClaims } from '../tokens/access-token.js';
import type { AuthContext } from './context.js';

/** Ends the session of a refresh token; silent on anything it can't act on (no oracle). */
export async function logout(ctx: AuthContext, input: { refreshToken: string }): Promise<void> {
  const parsed = ctx.refreshTokens.parse(input.refreshToken);
  if (!parsed.ok) return;
  await ctx.store.revokeSession(parsed.claims.sessionId, 'logout', ctx.clock());
  ctx.sessions.forgetSession(parsed.claims.sessionId);
}

/** Ends every session of the token's user (`{ all: true }`); answers how many were live. */
export async function logoutAll(ctx: AuthContext, claims: AccessTokenClaims): Promise<number> {
  const count = await ctx.store.revokeUserSessions(claims.sub, 'logout_all', ctx.clock());
  ctx.sessions.forgetUser(claims.sub);
  return count;
}
