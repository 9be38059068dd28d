import { errorOutcome } from '../metrics/count-outcomes.js';
import type { LoginStatsRecorder } from './login-stats-recorder.js';

/**
 * The app a login is counted under in `login_stats`: the appid it named when that app is configured, the only app
 * when it named none, else `""` (a request naming no configured app: counted, so a flood of them shows, but never
 * under a string the client chose).
 */
export function statsAppid(configured: readonly { appid: string }[], requested: string | undefined): string {
  if (requested === undefined || requested === '') return configured.length === 1 ? configured[0]!.appid : '';
  return configured.some((app) => app.appid === requested) ? requested : '';
}

/**
 * Counts how a login settles (`success`, or the catalogue code it failed with) in `login_stats`; answers the same
 * result or failure.
 */
export function recordLoginOutcome<T>(recorder: LoginStatsRecorder, appid: string, pending: Promise<T>): Promise<T> {
  return pending.then(
    (result) => {
      recorder.record(appid, 'success');
      return result;
    },
    (error: unknown) => {
      recorder.record(appid, errorOutcome(error));
      throw error;
    },
  );
}
