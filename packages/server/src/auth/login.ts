// About 300 lines on purpose: claim, exchange, takeover and replay are one state machine over the memo row; apart,
// each would need the invariants of the others (docs/architecture.md#the-login-path).
import { createHash, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WeChatError } from '@wxlogin/core';
import { sessionKeyAad } from '../crypto/seal.js';
import { isErrorCode, type ErrorCode } from '../errors/catalogue.js';
import { AppError, type WeChatErrorDetail } from '../errors/app-error.js';
import { toAppError } from '../errors/to-app-error.js';
import { CODE_MAX, LOGIN_NONCE_MAX } from '../schemas/limits.js';
import type { LoginResponse } from '../schemas/tokens.js';
import type { CompleteLoginResult, LoginCodeRow } from '../store/types.js';
import type { AuthContext } from './context.js';
import { issueTokens } from './issue-tokens.js';
import type { LoginInput } from './types.js';

const USER_AGENT_MAX = 512;
/** WeChat's codes live 5 minutes: the memo outlives that, so a late replay never reaches WeChat again. */
const CODE_LIFETIME_MS = 5 * 60_000;
/** A `pending` row older than the WeChat budget plus this belongs to a request that died mid-call. */
const STALE_PENDING_MARGIN_MS = 5000;
const POLL_FIRST_MS = 10;
const POLL_MAX_MS = 100;

/** The serialised error of a `failed` memo row: secret-free, replayed as is. */
interface StoredFailure {
  code: ErrorCode;
  message: string;
  wechat?: WeChatErrorDetail;
  /** So a replayed `RATE_LIMITED` keeps its `Retry-After`, as the catalogue promises. */
  retryAfterSeconds?: number;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Resolves the app of a login: `appid` is optional only when exactly one app is configured. */
export function resolveAppid(ctx: AuthContext, appid: string | undefined): string {
  const apps = ctx.config.apps;
  if (appid === undefined || appid === '') {
    if (apps.length === 1) return apps[0]!.appid;
    throw new AppError(
      'VALIDATION_FAILED',
      'appid is required: this server has more than one mini program configured.',
    );
  }
  if (!apps.some((a) => a.appid === appid)) throw new AppError('UNKNOWN_APP');
  return appid;
}

function validate(input: LoginInput): void {
  if (typeof input.code !== 'string' || input.code.length === 0 || input.code.length > CODE_MAX) {
    throw new AppError('VALIDATION_FAILED', 'code must be a non-empty string (the code of wx.login()).');
  }
  // An empty nonce is refused, not read as "no nonce": a replay must match what the first request sent.
  if (
    input.loginNonce !== undefined &&
    (typeof input.loginNonce !== 'string' || input.loginNonce.length === 0 || input.loginNonce.length > LOGIN_NONCE_MAX)
  ) {
    throw new AppError(
      'VALIDATION_FAILED',
      `loginNonce must be a non-empty string of at most ${LOGIN_NONCE_MAX} characters.`,
    );
  }
}

/**
 * Login exactly as docs/security.md "Login: memo and nonce": memo first (one WeChat call per code across the
 * cluster), code2Session, seal the session_key, one transaction for user + session + memo, then tokens. A replay of a
 * used code within the window answers from the memo when it carries what the first request carried: the same nonce,
 * or none when the first had none. A code left `pending` by a request that died is taken over, and WeChat is asked
 * again.
 */
export async function login(ctx: AuthContext, input: LoginInput): Promise<LoginResponse> {
  validate(input);
  const appid = resolveAppid(ctx, input.appid);
  const codeHash = sha256(`${appid}|${input.code}`);
  const nonceHash = input.loginNonce === undefined ? null : sha256(input.loginNonce);
  const now = ctx.clock();
  const claim: Claim = { appid, code: input.code, codeHash, input };

  const claimed = await ctx.store.claimLoginCode({
    codeHash,
    appid,
    nonceHash,
    createdAt: now,
    expiresAt: now + Math.max(ctx.config.loginReplayS * 1000, CODE_LIFETIME_MS),
  });
  if (claimed) return own(ctx, claim, now);

  let row = await ctx.store.getLoginCode(codeHash);
  if (row?.state === 'pending') {
    const taken = await takeOverIfStale(ctx, row, nonceHash);
    if (taken !== undefined) return own(ctx, claim, taken);
    row = await waitWhilePending(ctx, row);
    if (row?.state === 'pending') {
      // The holder used up its whole budget while we waited: it may have died just now.
      const late = await takeOverIfStale(ctx, row, nonceHash);
      if (late !== undefined) return own(ctx, claim, late);
    }
  }
  return replay(ctx, row, nonceHash);
}

/** What a login holding a claim on its code exchanges. */
interface Claim {
  appid: string;
  code: string;
  codeHash: string;
  input: LoginInput;
}

/** Exchanges a code this request holds the claim on (`claimedAt`), then wakes whoever waits on its memo row. */
async function own(ctx: AuthContext, claim: Claim, claimedAt: number): Promise<LoginResponse> {
  try {
    return await exchange(ctx, { ...claim, claimedAt });
  } finally {
    // The memo row is final now (done, failed or freed): wake whoever waits on it, here or on other instances.
    void ctx.loginWait?.notify(claim.codeHash);
  }
}

/**
 * A `pending` row whose claim is older than the WeChat budget plus a margin belongs to a request that died (a
 * crashed or killed instance): take it over, atomically, so exactly one of the requests that find it calls WeChat.
 * Answers the new claim, or undefined when the row is not stale or another request took it first.
 */
async function takeOverIfStale(
  ctx: AuthContext,
  row: LoginCodeRow,
  nonceHash: string | null,
): Promise<number | undefined> {
  const now = ctx.clock();
  const staleBefore = now - (ctx.config.wechatTimeoutMs + STALE_PENDING_MARGIN_MS);
  if ((row.claimedAt ?? row.createdAt) >= staleBefore) return undefined;
  if (!(await ctx.store.takeOverLoginCode({ codeHash: row.codeHash, staleBefore, claimedAt: now, nonceHash }))) {
    return undefined;
  }
  ctx.logger.info({ appid: row.appid }, 'login code left pending by a request that died: taken over');
  return now;
}

async function exchange(ctx: AuthContext, args: Claim & { claimedAt: number }): Promise<LoginResponse> {
  const { appid, codeHash, claimedAt, input } = args;
  let session: { openid: string; sessionKey: string; unionid?: string };
  try {
    session = await ctx.wechat.code2Session(appid, args.code);
  } catch (error) {
    const appError = toAppError(error);
    // Core says whether WeChat may have used the code up; if not (no answer, busy, quota, refused the app before
    // looking at the code), free the memo so the client can retry the same code. An unexpected error frees it too.
    if (!appError || (error instanceof WeChatError && !error.consumed)) {
      await forget(ctx, codeHash, claimedAt);
    } else {
      // After a takeover this may be WeChat's 40163: the dead request did reach WeChat, so the code is spent.
      await ctx.store.failLoginCode(codeHash, serialise(appError), claimedAt);
    }
    ctx.logger.info({ appid, errorCode: appError?.code ?? 'unexpected' }, 'login failed at WeChat');
    throw appError ?? error;
  }

  if (ctx.userLoginLimit !== undefined) {
    // Only now is the user known (see rate-limit/user-login-limit.ts). The code is spent at WeChat: remember the refusal
    // so a replay of it answers the same.
    try {
      await ctx.userLoginLimit.check(appid, session.openid);
    } catch (error) {
      if (error instanceof AppError) await ctx.store.failLoginCode(codeHash, serialise(error), claimedAt);
      throw error;
    }
  }

  const now = ctx.clock();
  const sessionId = ctx.newId();
  const refreshTtlMs = ctx.config.refreshTtl * 1000;
  const absoluteExpiresAt = now + ctx.config.refreshAbsoluteTtl * 1000;
  let completed: CompleteLoginResult;
  try {
    completed = await ctx.store.completeLogin({
      codeHash,
      appid,
      openid: session.openid,
      unionid: session.unionid ?? null,
      newUserId: ctx.newId(),
      sessionKeySealed: ctx.sealer.seal(session.sessionKey, sessionKeyAad(appid, session.openid)),
      claimedAt,
      session: {
        id: sessionId,
        appid,
        generation: 0,
        rotatedAt: now,
        lastUsedAt: now,
        expiresAt: Math.min(now + refreshTtlMs, absoluteExpiresAt),
        absoluteExpiresAt,
        createdIp: input.ip ?? null,
        userAgent: input.userAgent === undefined ? null : input.userAgent.slice(0, USER_AGENT_MAX),
        createdAt: now,
      },
      auditId: ctx.newId(),
      now,
    });
  } catch (error) {
    // The code is spent at WeChat now; a retry meets 40163 and the client logs in afresh.
    await forget(ctx, codeHash, claimedAt);
    throw error;
  }

  if (!completed.sessionCreated) {
    const disabled = new AppError('USER_DISABLED');
    await ctx.store.failLoginCode(codeHash, serialise(disabled), claimedAt);
    throw disabled;
  }
  ctx.logger.debug({ appid, userId: completed.user.id, isNew: completed.isNew }, 'login');
  return { ...(await issueTokens(ctx, completed.user, sessionId, 0)), isNew: completed.isNew };
}

/** Answers a code someone else claimed, from its memo row as the wait left it. */
async function replay(
  ctx: AuthContext,
  row: LoginCodeRow | undefined,
  nonceHash: string | null,
): Promise<LoginResponse> {
  if (!row) {
    // The first request failed transiently and freed the code; this one raced it.
    throw new AppError('WECHAT_UNAVAILABLE', undefined, { retryAfterSeconds: 1 });
  }
  // Still pending, and not stale: the holder is alive but slow (WeChat or the database), or dead and not yet known
  // to be. Retrying is right; Retry-After says when the claim turns stale, so that retry takes the code over.
  if (row.state === 'pending') {
    const staleAt = (row.claimedAt ?? row.createdAt) + ctx.config.wechatTimeoutMs + STALE_PENDING_MARGIN_MS;
    const retryAfterSeconds = Math.max(1, Math.ceil((staleAt - ctx.clock()) / 1000));
    throw new AppError('WECHAT_UNAVAILABLE', undefined, { retryAfterSeconds });
  }
  if (row.state === 'failed') throw parseFailure(row.failureJson);

  // `done`: the same login again, within the window (from the claim that answered), by the same client.
  const answeredAt = row.claimedAt ?? row.createdAt;
  if (ctx.clock() - answeredAt > ctx.config.loginReplayS * 1000) throw new AppError('CODE_ALREADY_USED');
  // The replay must carry what the first request carried: a nonce-less login is not replayed to a request with a
  // nonce (nor the reverse), or any nonce would unlock it.
  const sameNonce =
    row.nonceHash === null || nonceHash === null ? row.nonceHash === nonceHash : sameHash(row.nonceHash, nonceHash);
  if (!sameNonce) throw new AppError('CODE_ALREADY_USED');
  if (row.sessionId === null || row.userId === null) throw new AppError('CODE_ALREADY_USED');
  const [session, user] = await Promise.all([ctx.store.getSession(row.sessionId), ctx.store.getUser(row.userId)]);
  if (!user || !session) throw new AppError('CODE_ALREADY_USED');
  if (user.status === 'disabled') throw new AppError('USER_DISABLED');
  // Once the session has rotated, generation 0 is spent: handing it out again would look like reuse.
  if (session.revokedAt !== null || session.generation !== 0 || session.expiresAt <= ctx.clock()) {
    throw new AppError('CODE_ALREADY_USED');
  }
  // Both rows come from the same completeLogin, at the same instant, when that login created the user.
  const isNew = user.createdAt === session.createdAt;
  return { ...(await issueTokens(ctx, user, session.id, 0)), isNew };
}

async function waitWhilePending(ctx: AuthContext, first: LoginCodeRow): Promise<LoginCodeRow | undefined> {
  // Bounded by the WeChat budget in slept time (not the injected clock, which tests may freeze).
  let waited = 0;
  let delay = POLL_FIRST_MS;
  let row: LoginCodeRow | undefined = first;
  while (row?.state === 'pending' && waited < ctx.config.wechatTimeoutMs) {
    // With Redis the winner's notification cuts the pause short; without, or with Redis down, it is a plain sleep.
    if (ctx.loginWait === undefined) await sleep(delay);
    else await ctx.loginWait.wait(first.codeHash, delay);
    waited += delay;
    delay = Math.min(delay * 2, POLL_MAX_MS);
    row = await ctx.store.getLoginCode(first.codeHash);
  }
  return row;
}

async function forget(ctx: AuthContext, codeHash: string, claimedAt: number): Promise<void> {
  try {
    await ctx.store.deleteLoginCode(codeHash, claimedAt);
  } catch (error) {
    ctx.logger.warn({ err: error }, 'could not free a login code after a failure');
  }
}

function serialise(error: AppError): string {
  const failure: StoredFailure = {
    code: error.code,
    message: error.message,
    ...(error.wechat ? { wechat: error.wechat } : {}),
    ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
  };
  return JSON.stringify(failure);
}

function parseFailure(text: string | null): AppError {
  try {
    const failure = JSON.parse(text ?? '') as StoredFailure;
    if (isErrorCode(failure.code)) {
      return new AppError(failure.code, failure.message, {
        ...(failure.wechat ? { wechat: failure.wechat } : {}),
        ...(typeof failure.retryAfterSeconds === 'number' ? { retryAfterSeconds: failure.retryAfterSeconds } : {}),
      });
    }
  } catch {
    // fall through: an unreadable memo still means the code is spent
  }
  return new AppError('CODE_ALREADY_USED');
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
