import { loadDatabaseConfig } from '../config/load-config.js';
import { withConfiguredStore, type MaintenanceOptions } from './configured-store.js';

/**
 * `wxlogin migrate`: applies pending migrations to `WXLOGIN_DATABASE_URL` (default `sqlite:./wxlogin.db`), prints
 * which, and exits. Only the database's settings are read (also through `_FILE` and `--config`), so it runs before
 * the rest of the configuration exists and without the AppSecrets. Answers the names applied, or `undefined` when
 * the configuration was refused.
 */
export async function migrate(options: MaintenanceOptions = {}): Promise<string[] | undefined> {
  // `migrate=off` is for `serve`; here, migrating is the whole point.
  const load: typeof loadDatabaseConfig = (o) => ({ ...loadDatabaseConfig(o), migrate: 'off' });
  return withConfiguredStore('migrate', options, load, async (store) => {
    const applied = await store.migrate();
    process.stdout.write(
      applied.length === 0
        ? `wxlogin migrate: ${store.dialect} database is up to date (nothing to apply)\n`
        : `wxlogin migrate: applied ${applied.length} migration${applied.length === 1 ? '' : 's'} to the ${store.dialect} database: ${applied.join(', ')}\n`,
    );
    return applied;
  });
}
