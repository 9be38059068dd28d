import { decryptData, type DecryptedData } from '@wxlogin/core';
import { SealError, sessionKeyAad } from '../crypto/seal.js';
import { AppError } from '../errors/app-error.js';
import { toAppError } from '../errors/to-app-error.js';
import type { DecryptInput } from '../schemas/phone.js';
import type { UserRow } from '../store/types.js';
import type { AccessTokenClaims } from '../tokens/access-token.js';
import { activeUser } from './active-user.js';
import type { AuthContext } from './context.js';

const STALE_MESSAGE =
  'No usable session_key is stored for this user: call wx.login() again, then retry with fresh data.';

/**
 * The user's stored session_key, unsealed. `WECHAT_SESSION_STALE` when there is none, or when it no longer opens
 * (sealed under a master key that is not configured any more): either way a fresh `wx.login()` stores a new one.
 */
async function storedSessionKey(ctx: AuthContext, user: UserRow): Promise<string> {
  const sealed = await ctx.store.getSessionKeySealed(user.appid, user.openid);
  if (sealed === undefined) throw new AppError('WECHAT_SESSION_STALE', STALE_MESSAGE);
  try {
    return ctx.sealer.open(sealed, sessionKeyAad(user.appid, user.openid)).toString('utf8');
  } catch (error) {
    if (!(error instanceof SealError)) throw error;
    ctx.logger.warn({ appid: user.appid, userId: user.id }, 'stored session_key does not open (master key changed?)');
    throw new AppError('WECHAT_SESSION_STALE', STALE_MESSAGE);
  }
}

/**
 * Opens `encryptedData` with the user's stored session_key and checks its watermark (the user's app, not older than
 * `WXLOGIN_WATERMARK_MAX_AGE_S`, not > 5 min ahead). Throws `DECRYPT_FAILED` for malformed input or a foreign or
 * stale watermark, `WECHAT_SESSION_STALE` when well-formed data won't open with the stored key.
 */
export async function decryptForUser(ctx: AuthContext, user: UserRow, input: DecryptInput): Promise<DecryptedData> {
  const sessionKey = await storedSessionKey(ctx, user);
  try {
    return decryptData({
      appid: user.appid,
      sessionKey,
      encryptedData: input.encryptedData,
      iv: input.iv,
      maxAgeSeconds: ctx.config.watermarkMaxAgeS,
      now: ctx.clock(),
    });
  } catch (error) {
    const appError = toAppError(error);
    if (appError)
      ctx.logger.debug(
        { appid: user.appid, userId: user.id, reason: (error as { reason?: string }).reason },
        'decrypt refused',
      );
    throw appError ?? error;
  }
}

/** `POST /v1/me/decrypt`: the decrypted object (watermark included) of the token's user. */
export async function decrypt(
  ctx: AuthContext,
  claims: AccessTokenClaims,
  input: DecryptInput,
): Promise<{ data: DecryptedData }> {
  const user = await activeUser(ctx, claims.sub);
  return { data: await decryptForUser(ctx, user, input) };
}
