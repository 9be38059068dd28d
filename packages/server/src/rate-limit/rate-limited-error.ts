import { AppError } from '../errors/app-error.js';

/**
 * `429 RATE_LIMITED` with `Retry-After` = the rest of the window, whole seconds (at least 1: a `0` would invite an
 * immediate retry into the same window).
 */
export function rateLimitedError(ttlMs: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return new AppError('RATE_LIMITED', undefined, { retryAfterSeconds });
}
