import { Command, InvalidArgumentError } from 'commander';
import { dev } from './dev.js';
import { doctor } from './doctor.js';
import { gc } from './gc.js';
import { keysRotate, parseSigningAlg } from './keys.js';
import { migrate } from './migrate.js';
import { serve } from './serve.js';

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('a port from 0 to 65535');
  return n;
};

/** The `wxlogin` command line (bin of `@wxlogin/server`). `argv` as `process.argv`. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('wxlogin').description('WeChat Mini Program login service').showHelpAfterError();

  program
    .command('dev')
    .description('service on 127.0.0.1:3000 + WeChat simulator on 127.0.0.1:3001, SQLite in .wxlogin/')
    .option(
      '--host <address>',
      'address of the service and the simulator (0.0.0.0: real-device preview on a LAN)',
      '127.0.0.1',
    )
    .option('--port <port>', 'service port', port, 3000)
    .option('--simulator-port <port>', 'simulator port', port, 3001)
    .option('--state-dir <dir>', 'folder for the dev database and generated secrets', '.wxlogin')
    .option('--log-level <level>', 'pino level', 'info')
    .action(async (opts: { host: string; port: number; simulatorPort: number; stateDir: string; logLevel: string }) => {
      await dev(opts);
    });

  program
    .command('serve')
    .description('run the service, configured by WXLOGIN_* environment variables (or --config)')
    .option('--config <file>', 'JSON file with the same keys in camelCase')
    .action(async (opts: { config?: string }) => {
      await serve(opts);
    });

  program
    .command('doctor')
    .description(
      'check the configuration against WeChat, the database and Redis, changing nothing; exit 1 on a failed check',
    )
    .option('--config <file>', 'JSON file with the same keys in camelCase')
    .option('--json', 'one JSON document instead of lines')
    .action(async (opts: { config?: string; json?: boolean }) => {
      await doctor({ ...opts, exitIfStuck: true });
    });

  program
    .command('migrate')
    .description('apply pending database migrations to WXLOGIN_DATABASE_URL and exit (needs no AppSecret)')
    .option('--config <file>', 'JSON file with the same keys in camelCase')
    .action(async (opts: { config?: string }) => {
      await migrate(opts);
    });

  const keys = program.command('keys').description('the signing keys of access tokens (JWKS)');
  keys
    .command('rotate')
    .description('create a key that signs from now on; older keys stay in JWKS until their tokens expire')
    .option('--alg <alg>', 'ES256, EdDSA or RS256 (default: WXLOGIN_JWT_ALG)', parseSigningAlg)
    .option('--config <file>', 'JSON file with the same keys in camelCase')
    .action(async (opts: { alg?: ReturnType<typeof parseSigningAlg>; config?: string }) => {
      await keysRotate(opts);
    });

  program
    .command('gc')
    .description(
      'delete expired login codes, ended sessions and old login stats; prints the counts (needs no AppSecret)',
    )
    .option('--config <file>', 'JSON file with the same keys in camelCase')
    .action(async (opts: { config?: string }) => {
      await gc(opts);
    });

  program
    .command('simulator')
    .description('run only the WeChat simulator (same as wxlogin-simulator)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { runSimulatorCli } = await import('@wxlogin/simulator');
      await runSimulatorCli(args);
    });

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.stderr.write(`wxlogin: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
