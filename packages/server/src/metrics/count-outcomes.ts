import { toAppError } from '../errors/to-app-error.js';
import type { AuthMetrics } from './auth-metrics.js';

/** The `outcome` label of a failure: its catalogue code, `INTERNAL_ERROR` for anything unexpected. */
export function errorOutcome(error: unknown): string {
  return toAppError(error)?.code ?? 'INTERNAL_ERROR';
}

/**
 * Reports how a call settled — `success`, or the catalogue code it failed with — and answers the same result or
 * failure. A login's outcome feeds both the metrics and `login_stats` from this one place.
 */
export function reportOutcome<T>(pending: Promise<T>, report: (outcome: string) => void): Promise<T> {
  return pending.then(
    (result) => {
      report('success');
      return result;
    },
    (error: unknown) => {
      report(errorOutcome(error));
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
