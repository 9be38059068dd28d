import { loadDatabaseConfig } from '../config/load-config.js';
import type { SweepCounts } from '../store/types.js';
import { withConfiguredStore, type MaintenanceOptions } from './configured-store.js';

/**
 * `wxlogin gc`: deletes what retention no longer needs (`store.sweep`: expired login codes, sessions ended more than
 * 7 days ago, login stats older than 30 days) and prints the counts. Safe while instances run, and to run from cron.
 * Reads only the database's settings: a cron job needs no AppSecret and no master key.
 */
export async function gc(options: MaintenanceOptions = {}): Promise<SweepCounts | undefined> {
  return withConfiguredStore('gc', options, loadDatabaseConfig, async (store) => {
    const counts = await store.sweep(Date.now());
    process.stdout.write(
      `wxlogin gc: deleted ${counts.loginCodes} expired login codes, ${counts.sessions} ended sessions, ${counts.stats} old login-stats rows\n`,
    );
    return counts;
  });
}
