import { AppError } from '../errors/app-error.js';
import type { AuthContext } from './context.js';
import { issueTokens } from './issue-tokens.js';
import type { TokenResponse } from '../schemas/tokens.js';

/** The audit action of a refresh token presented after its rotation (the console's reuse alarms read it). */
export const REUSE_DETECTED_ACTION = 'refresh.reuse_detected';

/**
 * Refresh exactly as docs/security.md "Refresh rotation, reuse detection, grace": the current generation rotates
 * (compare-and-swap); the direct predecessor within the grace window (measured from the rotation's statement, not
 * from the rotating request's start) gets the same successor again; any older generation with a valid MAC is reuse
 * (session revoked and audited by the store, `REFRESH_TOKEN_REUSED`); a bad MAC is `UNAUTHORIZED` and touches nothing.
 */
export async function refresh(ctx: AuthContext, input: { refreshToken: string }): Promise<TokenResponse> {
  const parsed = ctx.refreshTokens.parse(input.refreshToken);
  if (!parsed.ok) throw new AppError('UNAUTHORIZED', 'The refresh token is invalid.');
  const { sessionId, generation } = parsed.claims;

  // The store reads the clock itself, inside its transaction: a request that waited for the database must not stamp
  // the rotation with its start time, or its client's honest retry would fall outside grace and look like theft.
  const result = await ctx.store.rotateSession({
    sessionId,
    generation,
    clock: ctx.clock,
    graceMs: ctx.config.refreshGraceS * 1000,
    refreshTtlMs: ctx.config.refreshTtl * 1000,
    reuseAudit: {
      id: ctx.newId(),
      actor: 'system',
      action: REUSE_DETECTED_ACTION,
      // `familyId`: the key audit rows have always stored (data, read back by the admin API).
      detailJson: JSON.stringify({ familyId: sessionId, presentedGeneration: generation }),
    },
  });

  switch (result.kind) {
    case 'rotated':
    case 'grace': {
      const user = await ctx.store.getUser(result.session.userId);
      if (!user) throw new AppError('SESSION_EXPIRED');
      if (user.status === 'disabled') throw new AppError('USER_DISABLED');
      return issueTokens(ctx, user, sessionId, result.session.generation);
    }
    case 'reused':
      ctx.sessions.forgetSession(sessionId);
      ctx.logger.warn(
        { sessionId, userId: result.session.userId, appid: result.session.appid, presentedGeneration: generation },
        'refresh token reuse detected: session revoked',
      );
      throw new AppError('REFRESH_TOKEN_REUSED');
    case 'expired':
    case 'not_found': {
      // Disabling a user revokes its sessions; the client must still learn why (403, not a silent re-login).
      const session = result.kind === 'expired' ? await ctx.store.getSession(sessionId) : undefined;
      const user = session ? await ctx.store.getUser(session.userId) : undefined;
      if (user?.status === 'disabled') throw new AppError('USER_DISABLED');
      throw new AppError('SESSION_EXPIRED');
    }
  }
}
