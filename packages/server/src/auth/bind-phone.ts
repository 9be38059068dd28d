import type { ErrorCode } from '../errors/catalogue.js';
import { AppError } from '../errors/app-error.js';
import { toAppError } from '../errors/to-app-error.js';
import { CODE_MAX } from '../schemas/limits.js';
import type { BindPhoneInput } from '../schemas/phone.js';
import type { User } from '../schemas/user.js';
import { UniqueViolationError } from '../store/errors.js';
import type { UserRow } from '../store/types.js';
import type { AccessTokenClaims } from '../tokens/access-token.js';
import { activeUser } from './active-user.js';
import type { AuthContext } from './context.js';
import { decryptForUser } from './decrypt.js';
import { phoneLast4, toE164 } from './phone-e164.js';
import { toUser } from './user-view.js';

/** Audit action of every bind (detail: the last 4 digits, never the number). Bind limits count these. */
export const PHONE_BOUND_ACTION = 'phone.bound';
/** Audit action on the user a number was taken from under `WXLOGIN_PHONE_CONFLICT=move`. */
export const PHONE_MOVED_ACTION = 'phone.moved';

const HOUR_MS = 3_600_000;
const BIND_LEASE_PREFIX = 'phone-bind:';
/**
 * A bind lease outlives the WeChat budget by this much, for the database statements around the call (each bounded by
 * the statement timeout): a holder that crashed blocks its user's binds for no longer than that.
 */
const BIND_LEASE_MARGIN_MS = 10_000;
const INTERNAL_ERROR: ErrorCode = 'INTERNAL_ERROR';

type BindForm = { via: 'code'; code: string } | { via: 'encrypted_data'; encryptedData: string; iv: string };

const present = (value: unknown): boolean => value !== undefined && value !== null;

function bindForm(input: BindPhoneInput): BindForm {
  const { code, encryptedData, iv } = input;
  if (present(code) && !present(encryptedData) && !present(iv)) {
    if (typeof code !== 'string' || code.length === 0 || code.length > CODE_MAX) {
      throw new AppError(
        'VALIDATION_FAILED',
        'code must be a non-empty string (the code of the getPhoneNumber button).',
      );
    }
    return { via: 'code', code };
  }
  if (!present(code) && present(encryptedData) && present(iv)) {
    if (typeof encryptedData !== 'string' || typeof iv !== 'string') {
      throw new AppError('VALIDATION_FAILED', 'encryptedData and iv must be strings.');
    }
    return { via: 'encrypted_data', encryptedData, iv };
  }
  throw new AppError(
    'VALIDATION_FAILED',
    'Send exactly one of { code } (getPhoneNumber button) or { encryptedData, iv }.',
  );
}

/**
 * `POST /v1/me/phone` (docs/api.md "Phone number and sensitive data"): takes the user's bind lease, checks the hourly
 * bind limit, gets the number from WeChat (code, with the session's openid so a code tapped by someone else is
 * refused) or from legacy encryptedData, and binds it in E.164. A second bind of the same user while one is under way
 * is refused at once with `RATE_LIMITED` (`Retry-After: 1`) before anything reaches WeChat, so its code stays usable.
 * The unique index decides conflicts: `PHONE_IN_USE`, or under `WXLOGIN_PHONE_CONFLICT=move` the number is taken
 * from its holder (audited `phone.moved`). Binding the number the user has already is a no-op; every real bind is
 * audited `phone.bound`.
 */
export async function bindPhone(ctx: AuthContext, claims: AccessTokenClaims, input: BindPhoneInput): Promise<User> {
  const form = bindForm(input);
  // A lease row, not a session lock: a refused bind answers at once instead of pinning a pool connection while it
  // waits, which is how binds of one user used to starve every other request of the instance.
  const lease = { name: `${BIND_LEASE_PREFIX}${claims.sub}`, owner: ctx.newId() };
  const ttlMs = ctx.config.wechatTimeoutMs + BIND_LEASE_MARGIN_MS;
  if (!(await ctx.store.acquireLease({ ...lease, now: ctx.clock(), ttlMs }))) {
    throw new AppError('RATE_LIMITED', 'A phone bind of this user is already under way; retry in a moment.', {
      retryAfterSeconds: 1,
    });
  }
  try {
    // Read under the lease: a bind that finished just before ours is seen (its number, its audit event).
    const user = await activeUser(ctx, claims.sub);
    // Under the lease, so two binds at the limit cannot both pass, and before WeChat, so an over-limit request
    // leaves its code unspent.
    await assertUnderBindLimit(ctx, user);
    const phone =
      form.via === 'code' ? await phoneByCode(ctx, user, form.code) : await phoneByEncryptedData(ctx, user, form);
    if (user.phoneE164 === phone) return toUser(user);
    return toUser(await bind(ctx, user, phone, form.via));
  } finally {
    await ctx.store.releaseLease(lease.name, lease.owner).catch((error: unknown) => {
      // The bind's own outcome stands; the lease expires by itself.
      ctx.logger.warn({ err: error, userId: claims.sub }, 'could not release a phone-bind lease');
    });
  }
}

/** `WXLOGIN_PHONE_BIND_PER_HOUR`, counted from the database's audit events, so it holds across instances. */
async function assertUnderBindLimit(ctx: AuthContext, user: UserRow): Promise<void> {
  const limit = ctx.config.phoneBindPerHour;
  if (limit <= 0) return;
  const now = ctx.clock();
  // The last hour, excluding its first millisecond: a bind exactly an hour old has left the window.
  const since = now - HOUR_MS + 1;
  const { count, firstAt } = await ctx.store.countAuditEvents({ userId: user.id, action: PHONE_BOUND_ACTION, since });
  if (count < limit) return;
  // A slot frees when the window's earliest bind turns an hour old.
  const retryAfterSeconds = Math.max(1, Math.ceil(((firstAt ?? now) + HOUR_MS - now) / 1000));
  throw new AppError('RATE_LIMITED', `At most ${limit} phone numbers may be bound per hour.`, { retryAfterSeconds });
}

async function phoneByCode(ctx: AuthContext, user: UserRow, code: string): Promise<string> {
  let result: { countryCode: string; purePhoneNumber: string };
  try {
    result = await ctx.wechat.getPhoneNumber(user.appid, code, { openid: user.openid });
  } catch (error) {
    const appError = toAppError(error);
    ctx.metrics?.phoneCodeRedeemed(user.appid, appError?.code ?? INTERNAL_ERROR);
    ctx.logger.info(
      { appid: user.appid, userId: user.id, errorCode: appError?.code ?? 'unexpected' },
      'phone code refused',
    );
    throw appError ?? error;
  }
  ctx.metrics?.phoneCodeRedeemed(user.appid, 'success');
  const phone = toE164(result.countryCode, result.purePhoneNumber);
  if (phone === undefined)
    throw new AppError('WECHAT_ERROR', 'WeChat answered a phone number that is not a valid number.');
  return phone;
}

async function phoneByEncryptedData(
  ctx: AuthContext,
  user: UserRow,
  form: { encryptedData: string; iv: string },
): Promise<string> {
  const data = await decryptForUser(ctx, user, form);
  const phone = toE164(data.countryCode, data.purePhoneNumber);
  if (phone === undefined)
    throw new AppError('DECRYPT_FAILED', 'The decrypted data carries no phone number (countryCode, purePhoneNumber).');
  return phone;
}

async function bind(ctx: AuthContext, user: UserRow, phone: string, via: BindForm['via']): Promise<UserRow> {
  const now = ctx.clock();
  let row: UserRow | undefined;
  let movedFrom: string | null = null;
  try {
    row = await ctx.store.setPhone(user.id, phone, now);
  } catch (error) {
    if (!(error instanceof UniqueViolationError && error.column === 'phone_e164')) throw error;
    if (ctx.config.phoneConflict !== 'move') throw new AppError('PHONE_IN_USE');
    ({ user: row, fromUserId: movedFrom } = await move(ctx, user, phone, now));
  }
  if (!row) throw new AppError('UNAUTHORIZED', 'The session has ended.');
  await ctx.store.insertAudit({
    id: ctx.newId(),
    at: now,
    actor: `user:${user.id}`,
    action: PHONE_BOUND_ACTION,
    appid: user.appid,
    userId: user.id,
    detailJson: JSON.stringify({
      last4: phoneLast4(phone),
      via,
      ...(user.phoneE164 === null ? {} : { replacedLast4: phoneLast4(user.phoneE164) }),
      ...(movedFrom === null ? {} : { movedFromUserId: movedFrom }),
    }),
  });
  ctx.logger.debug({ appid: user.appid, userId: user.id, moved: movedFrom !== null }, 'phone bound');
  return row;
}

/**
 * Takes the number from its holder (China recycles numbers). The store retries its transaction a bounded number of
 * times when a concurrent bind takes the number in between; a race still lost after that is `PHONE_IN_USE`.
 */
async function move(
  ctx: AuthContext,
  user: UserRow,
  phone: string,
  now: number,
): Promise<{ user: UserRow | undefined; fromUserId: string | null }> {
  try {
    return await ctx.store.movePhone({
      userId: user.id,
      phoneE164: phone,
      now,
      audit: {
        id: ctx.newId(),
        at: now,
        actor: `user:${user.id}`,
        action: PHONE_MOVED_ACTION,
        appid: user.appid,
        detailJson: JSON.stringify({ last4: phoneLast4(phone), toUserId: user.id }),
      },
    });
  } catch (error) {
    if (error instanceof UniqueViolationError && error.column === 'phone_e164') {
      throw new AppError('PHONE_IN_USE', 'The number is being bound by another user at this moment; try again.');
    }
    throw error;
  }
}
