import type { FastifyInstance } from 'fastify';
import { createApp } from '../app.js';
import { ConfigError } from '../config/config-error.js';
import { describeDatabase, describeRedis } from '../config/describe-targets.js';
import { loadConfig, type WxloginConfig } from '../config/load-config.js';
import { describeStartupFailure } from './startup-failure.js';

/** Options of `wxlogin serve`. */
export interface ServeOptions {
  /** A JSON file with the same keys as the environment, in camelCase. */
  config?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Loads and validates the whole configuration (every problem at once), then starts the service. Answers `undefined`
 * after printing the problems when the configuration is refused (exit code 1 is set).
 */
export async function serve(options: ServeOptions = {}): Promise<FastifyInstance | undefined> {
  let config: WxloginConfig;
  const warnings: string[] = [];
  try {
    config = loadConfig({
      env: options.env ?? process.env,
      ...(options.config === undefined ? {} : { configFile: options.config }),
      warnings,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`wxlogin serve: refusing to start:\n${error.message}\n`);
    process.exitCode = 1;
    return undefined;
  }
  for (const warning of warnings) process.stderr.write(`wxlogin serve: warning: ${warning}\n`);
  try {
    return await listen(config);
  } catch (error) {
    const line = describeStartupFailure(error, config);
    if (line === undefined) throw error;
    process.stderr.write(`wxlogin serve: cannot start: ${line}\n`);
    process.exitCode = 1;
    return undefined;
  }
}

/**
 * Starts a configured service, and stops it gracefully (in-flight requests finish) on SIGINT or SIGTERM.
 * `onClose` runs when the service has stopped (the dev command closes its simulator there).
 */
export async function listen(config: WxloginConfig, onClose?: () => Promise<void>): Promise<FastifyInstance> {
  const app = await createApp(config);
  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    {
      database: describeDatabase(config.databaseUrl),
      redis: config.redisUrl === undefined ? 'none (single instance)' : describeRedis(config.redisUrl),
      wechat: new URL(config.wechatBaseUrl).host,
    },
    'using these services',
  );
  stopOnSignals(app, onClose);
  return app;
}

/** Longest a graceful stop may take before the process exits anyway (a stuck upstream must not block a deploy). */
const STOP_DEADLINE_MS = 30_000;

// Not close-with-grace: it ends every stop with process.exit, where this lets the process end by itself once
// everything is closed (a socket or timer left open then shows as a stop that never ends, which the spawn tests
// catch); it answers a second signal with exit code 1, where this one dies of the signal as Node's default does; and
// it would take over uncaught errors and other signals unless told to skip them, leaving no more than this.
function stopOnSignals(app: FastifyInstance, onClose?: () => Promise<void>): void {
  const stop = (signal: NodeJS.Signals): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    app.log.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      app.log.error({ afterMs: STOP_DEADLINE_MS }, 'graceful stop took too long; exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS);
    deadline.unref();
    app
      .close()
      .then(() => onClose?.())
      .then(
        () => {
          process.exitCode = 0;
        },
        (error: unknown) => {
          app.log.error({ err: error }, 'error while stopping');
          process.exitCode = 1;
        },
      )
      .finally(() => clearTimeout(deadline));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
