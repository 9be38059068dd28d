import { ConfigError } from '../config/config-error.js';
import type { DatabaseConfig, LoadConfigOptions } from '../config/load-config.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';

/** Where a maintenance command reads its configuration: the same as `wxlogin serve`. */
export interface MaintenanceOptions {
  /** A JSON file with the same keys as the environment, in camelCase. */
  config?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs a maintenance command (`keys rotate`, `gc`) against the database `serve` would use: the configuration is
 * read by `load` — `loadConfig` when the command needs the master key, `loadDatabaseConfig` when it needs only the
 * database — and checked as `serve` does (a refusal prints every problem and sets exit code 1), pending migrations
 * are applied unless `WXLOGIN_MIGRATE=off`, and the store is closed afterwards. Answers what `run` answered, or
 * `undefined` when the configuration was refused.
 */
export async function withConfiguredStore<C extends DatabaseConfig, T>(
  command: string,
  options: MaintenanceOptions,
  load: (options: LoadConfigOptions) => C,
  run: (store: Store, config: C) => Promise<T>,
): Promise<T | undefined> {
  let config: C;
  const warnings: string[] = [];
  try {
    config = load({
      env: options.env ?? process.env,
      ...(options.config === undefined ? {} : { configFile: options.config }),
      warnings,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`wxlogin ${command}: refusing to run:\n${error.message}\n`);
    process.exitCode = 1;
    return undefined;
  }
  for (const warning of warnings) process.stderr.write(`wxlogin ${command}: warning: ${warning}\n`);
  const store = await openStore(config.databaseUrl, {
    poolMax: Math.max(2, config.dbPoolMax),
    ...(config.dbStatementTimeoutMs > 0 ? { statementTimeoutMs: config.dbStatementTimeoutMs } : {}),
  });
  try {
    if (config.migrate === 'auto') await store.migrate();
    return await run(store, config);
  } finally {
    await store.close();
  }
}
