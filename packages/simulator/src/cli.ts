import { parseArgs } from 'node:util';
import { createSimulator, DEFAULT_DEV_SECRET, DEV_APPID, type Simulator } from './simulator.js';

/** Where the CLI writes, and what environment it reads (defaults: the process's). */
export interface CliIo {
  out?: (line: string) => void;
  err?: (line: string) => void;
  env?: Readonly<Record<string, string | undefined>>;
}

/** A simulator started from command-line arguments. */
export interface RunningSimulator {
  simulator: Simulator;
  url: string;
  close(): Promise<void>;
}

/** Bad command-line arguments; the message says which. */
export class CliUsageError extends Error {
  /** @param message - what was wrong with the arguments. */
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** Usage text of `wxlogin-simulator` (and `wxlogin simulator`). */
export const SIMULATOR_USAGE = `Usage: wxlogin-simulator [--port 3001] [--host 127.0.0.1] [--dev-secret S] [--quiet]

A local stand-in for WeChat's mini program server API, for development and tests.
  --port        TCP port (0 picks a free one); default 3001
  --host        bind address; default 127.0.0.1. It mints logins for anyone: never expose it to a network
  --dev-secret  secret of the dev app ${DEV_APPID}; default $WXLOGIN_SIM_DEV_SECRET or ${DEFAULT_DEV_SECRET}
  --quiet       no line per request`;

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/**
 * Parses `argv` (the arguments after the command name), starts a simulator, prints its URL, warns when bound to a
 * non-loopback host. Throws {@link CliUsageError} on bad arguments. Installs no signal handler (see
 * {@link runSimulatorCli}).
 */
export async function startSimulatorFromArgs(argv: readonly string[], io: CliIo = {}): Promise<RunningSimulator> {
  const out = io.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = io.env ?? process.env;
  let values: { port?: string; host?: string; 'dev-secret'?: string; quiet?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'dev-secret': { type: 'string' },
        quiet: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  const port = values.port === undefined ? 3001 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliUsageError(`--port must be an integer from 0 to 65535, got "${values.port ?? ''}"`);
  }
  const host = values.host ?? '127.0.0.1';
  if (host === '') throw new CliUsageError('--host must not be empty');
  const envSecret = env.WXLOGIN_SIM_DEV_SECRET;
  const devSecret = values['dev-secret'] ?? (envSecret === undefined || envSecret === '' ? undefined : envSecret);
  if (devSecret === '') throw new CliUsageError('--dev-secret must not be empty');

  if (!LOOPBACK.test(host)) {
    err(
      `wxlogin-simulator: WARNING: binding ${host}. The simulator mints logins for anyone who asks and must never ` +
        'face a network; use the default 127.0.0.1 unless this host is isolated.',
    );
  }
  const simulator = createSimulator({
    ...(devSecret === undefined ? {} : { devSecret }),
    ...(values.quiet === true ? {} : { logger: (line: string) => out(`  ${line}`) }),
  });
  const url = await simulator.listen({ port, host });
  const secretSource =
    values['dev-secret'] !== undefined
      ? 'from --dev-secret'
      : devSecret !== undefined
        ? 'from WXLOGIN_SIM_DEV_SECRET'
        : `default "${DEFAULT_DEV_SECRET}"`;
  out(`wxlogin-simulator listening on ${url}`);
  out(`  dev app ${DEV_APPID} (secret ${secretSource}); control API under ${url}/__sim`);
  out(`  try: curl -s -X POST ${url}/__sim/login -H 'content-type: application/json' -d '{"appid":"${DEV_APPID}"}'`);
  return { simulator, url, close: () => simulator.close() };
}

/**
 * The whole `wxlogin-simulator` command: `--help`, usage errors (exit code 2), start, and a clean stop on SIGINT or
 * SIGTERM. `wxlogin simulator` of `@wxlogin/server` calls this too, so both commands are one implementation.
 */
export async function runSimulatorCli(argv: readonly string[], io: CliIo = {}): Promise<RunningSimulator | undefined> {
  const out = io.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (argv.includes('--help') || argv.includes('-h')) {
    out(SIMULATOR_USAGE);
    return undefined;
  }
  let running: RunningSimulator;
  try {
    running = await startSimulatorFromArgs(argv, io);
  } catch (error) {
    if (error instanceof CliUsageError) {
      err(`wxlogin-simulator: ${error.message}\n\n${SIMULATOR_USAGE}`);
      process.exitCode = 2;
      return undefined;
    }
    err(`wxlogin-simulator: cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    return undefined;
  }
  const stop = (signal: NodeJS.Signals): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    out(`wxlogin-simulator: ${signal}, stopping`);
    running.close().then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        err(`wxlogin-simulator: error while stopping: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return running;
}
