import { WxloginError } from './errors.js';

/** How often and how long a call is tried again. */
export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** Longest wait before one retry, in seconds: a longer `Retry-After` is not waited for, the error surfaces. */
  maxWaitSeconds: number;
  /** No retry starts later than this after the first attempt began (a slow failure is not tried again). */
  maxElapsedMs: number;
}

/**
 * True for failures where the request may not have been handled, or the service asks to come back: no answer at
 * all, a 503 (WeChat or the database unavailable, with `Retry-After`), or a gateway's 502/504 outside the envelope.
 * Only requests that are safe to send twice go through here: a login with the same code and nonce (the service
 * replays its answer, no second WeChat call) and a refresh with the same token (inside the rotation grace).
 */
export function isRetryable(error: unknown): error is WxloginError {
  if (!(error instanceof WxloginError)) return false;
  if (error.code === 'NETWORK_ERROR') return true;
  if (error.statusCode === 503) return true;
  return error.code === 'HTTP_ERROR' && (error.statusCode === 502 || error.statusCode === 504);
}

const BACKOFF_S = [0.5, 1, 2, 4];

/** Runs `work`, again after a retryable failure, waiting `Retry-After` (or a short backoff) in between. */
export async function withRetries<T>(
  work: () => Promise<T>,
  policy: RetryPolicy,
  clock: { now: () => number; sleep: (ms: number) => Promise<void> },
): Promise<T> {
  const started = clock.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= policy.retries || !isRetryable(error)) throw error;
      const waitS = error.retryAfterSeconds ?? BACKOFF_S[Math.min(attempt, BACKOFF_S.length - 1)] ?? 1;
      if (waitS > policy.maxWaitSeconds) throw error;
      if (clock.now() + waitS * 1000 - started > policy.maxElapsedMs) throw error;
      await clock.sleep(waitS * 1000);
    }
  }
}
