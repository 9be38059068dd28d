import { ConfigError } from '../config/config-error.js';
import { openStore } from '../store/index.js';

/**
 * `wxlogin migrate`: applies pending migrations to `WXLOGIN_DATABASE_URL` (default `sqlite:./wxlogin.db`) and
 * exits. Only the database URL is read, so it runs before the rest of the configuration exists.
 */
export async function migrate(env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  const url = env.WXLOGIN_DATABASE_URL || 'sqlite:./wxlogin.db';
  if (url.trim() === '') throw new ConfigError(['WXLOGIN_DATABASE_URL: must not be empty']);
  const store = await openStore(url);
  try {
    await store.migrate();
    process.stdout.write(`wxlogin migrate: ${store.dialect} database is up to date\n`);
  } finally {
    await store.close();
  }
}
