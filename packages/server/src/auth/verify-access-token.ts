import type { AccessTokenClaims } from '../tokens/access-token.js';
import type { AuthContext } from './context.js';

/**
 * The claims of a valid access token whose session is still alive and whose user is active: the signature and
 * claims by the token verifier, then the session and user by the session check (cached ≤ 5 s), so a revoked session
 * or a disabled user is refused before `exp`.
 */
export async function verifyAccessToken(ctx: AuthContext, token: string): Promise<AccessTokenClaims> {
  const claims = await ctx.accessTokens.verify(token);
  await ctx.sessions.assertAlive(claims);
  return claims;
}
