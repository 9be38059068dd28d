import { ConfigError } from '../config/config-error.js';
import { loadConfig, type WxloginConfig } from '../config/load-config.js';
import { refusedConfiguration } from '../doctor/check-configuration.js';
import { renderCheck, renderJson, renderVerdict } from '../doctor/render-report.js';
import { runDoctor, type DoctorReport } from '../doctor/run-doctor.js';

/** Options of `wxlogin doctor`. */
export interface DoctorOptions {
  /** A JSON file with the same keys as the environment, in camelCase (as `serve --config`). */
  config?: string;
  /** One JSON document on stdout instead of lines. */
  json?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the report goes (default stdout). */
  write?: (text: string) => void;
  /** End the process soon after the report even if a timed-out check still holds a socket (the CLI's choice). */
  exitIfStuck?: boolean;
}

// A check that timed out may still hold a socket (a blackholed database): the report is out by then, so the process
// must not wait for it. Unref'd: a process whose work is all done ends at once, as usual.
const EXIT_GRACE_MS = 3000;

/**
 * `wxlogin doctor`: checks the configuration `serve` would run with against the real (or simulated) WeChat, the
 * database and Redis, without changing anything, and prints one line per check (✓ passed, ! warning, ✗ failed) with
 * a next step for each that did not pass. Sets the exit code: 0 when no check failed, 1 when one did, 2 when the
 * configuration is invalid (every problem listed, as `serve` does).
 */
export async function doctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  let config: WxloginConfig;
  try {
    config = loadConfig({
      env: options.env ?? process.env,
      ...(options.config === undefined ? {} : { configFile: options.config }),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const report: DoctorReport = { ok: false, exitCode: 2, checks: [refusedConfiguration(error.problems)] };
    write(
      options.json === true ? renderJson(report, []) : `${renderCheck(report.checks[0]!, [])}${renderVerdict(report)}`,
    );
    return finish(report, options);
  }
  const secrets = secretsOf(config);
  const report = await runDoctor(config, (result) => {
    if (options.json !== true) write(renderCheck(result, secrets));
  });
  write(options.json === true ? renderJson(report, secrets) : renderVerdict(report));
  return finish(report, options);
}

function finish(report: DoctorReport, options: DoctorOptions): DoctorReport {
  process.exitCode = report.exitCode;
  if (options.exitIfStuck === true) setTimeout(() => process.exit(report.exitCode), EXIT_GRACE_MS).unref();
  return report;
}

/** Every secret value of the configuration, as it could appear in a driver's message. */
function secretsOf(config: WxloginConfig): string[] {
  const secrets = [
    ...config.apps.map((app) => app.secret),
    config.masterKey,
    config.adminToken,
    config.metricsToken,
    ...urlPasswords(config.databaseUrl),
    ...(config.redisUrl === undefined ? [] : urlPasswords(config.redisUrl)),
  ];
  return secrets.filter((secret): secret is string => secret !== undefined && secret !== '');
}

function urlPasswords(url: string): string[] {
  try {
    const parsed = new URL(url);
    const passwords = [parsed.password, parsed.searchParams.get('password') ?? ''];
    return [...passwords, ...passwords.map((p) => safeDecode(p))];
  } catch {
    return [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
