import { toAppError } from '../errors.js';
import type { AuthMetrics } from './auth-metrics.js';

/** The `outcome` label of a failure: its catalogue code, `INTERNAL_ERROR` for anything unexpected. */
export function errorOutcome(error: unknown): string {
  return toAppError(error)?.code ?? 'INTERNAL_ERROR';
}

/** Counts a login's outcome when it settles; answers the same result or failure. */
export function countLogin<T>(metrics: AuthMetrics, appid: string | undefined, pending: Promise<T>): Promise<T> {
  return pending.then(
    (result) => {
      metrics.loginFinished(appid, 'success');
      return result;
    },
    (error: unknown) => {
      metrics.loginFinished(appid, errorOutcome(error));
      throw error;
    },
  );
}

/** Counts a refresh that answered tokens, or the reuse it detected; answers the same result or failure. */
export function countRefresh<T>(metrics: AuthMetrics, pending: Promise<T>): Promise<T> {
  return pending.then(
    (result) => {
      metrics.tokenRefreshed();
      return result;
    },
    (error: unknown) => {
      if (toAppError(error)?.code === 'REFRESH_TOKEN_REUSED') metrics.refreshReuseDetected();
      throw error;
    },
  );
}
