import { readFileSync } from 'node:fs';
import { Value } from 'typebox/value';
import { DATABASE_URL_FORMS, databaseKindOf } from '../store/database-url.js';
import { closestName } from './closest-name.js';
import { ConfigError } from './config-error.js';
import { deepFreeze } from './deep-freeze.js';
import { parseApps, type AppCredentials } from './parse-apps.js';
import { parseMasterKey } from './parse-master-key.js';
import { parseTrustProxy, type TrustProxy } from './parse-trust-proxy.js';
import { redactUrl, REDACTED_TEXT, withRedactedView } from './redacted-view.js';
import { ConfigSchema, envNameOf, isSecretKey, type ConfigInput } from './schema.js';

/**
 * The validated, frozen configuration of the service. `JSON.stringify` / `util.inspect` of it (or of one of its
 * apps) show secrets as `[redacted]`.
 */
export interface WxloginConfig extends Readonly<Omit<ConfigInput, 'apps' | 'trustProxy' | 'masterKey'>> {
  readonly apps: readonly AppCredentials[];
  /** The 32-byte master key, base64 (canonical form). */
  readonly masterKey: string;
  readonly trustProxy: TrustProxy;
}

/** Where {@link loadConfig} reads from. */
export interface LoadConfigOptions {
  /** Usually `process.env`. `WXLOGIN_*` variables override the config file's keys. */
  env?: Readonly<Record<string, string | undefined>>;
  /** A JSON file with the same keys in camelCase (`dbPoolMax`; secrets also as `<key>File`). */
  configFile?: string;
  /**
   * Receives what is odd but not wrong, one line each: a `WXLOGIN_*` variable that is no setting and no likely typo
   * of one. (A likely typo is a problem: `WXLOGIN_DATABASE_URI` silently falling back to SQLite is worse than a
   * refusal.) Never holds a value.
   */
  warnings?: string[];
}

/** What the database commands (`wxlogin migrate`, `wxlogin gc`) need: no AppSecret, no master key. */
export type DatabaseConfig = Pick<
  WxloginConfig,
  'databaseUrl' | 'dbPoolMax' | 'dbStatementTimeoutMs' | 'migrate' | 'logLevel'
>;

const KEYS = Object.keys(ConfigSchema.properties) as (keyof ConfigInput)[];

/** Every variable name the environment may hold: each setting, and `<NAME>_FILE` for each secret. */
const KNOWN_VARIABLES: readonly string[] = KEYS.flatMap((key) =>
  isSecretKey(key) ? [envNameOf(key), `${envNameOf(key)}_FILE`] : [envNameOf(key)],
);

/** Every key a `--config` file may hold: each setting, and `<key>File` for each secret. */
const KNOWN_FILE_KEYS: readonly string[] = KEYS.flatMap((key) => (isSecretKey(key) ? [key, `${key}File`] : [key]));

/** The project's own test and benchmark variables share the prefix; they are no settings and never a typo of one. */
const FOREIGN_PREFIXES = ['WXLOGIN_TEST_', 'WXLOGIN_BENCH_'] as const;

/** The keys the service cannot run without, and the database commands can. */
const SERVICE_ONLY_REQUIRED = new Set<string>(['apps', 'masterKey']);

/**
 * Reads the configuration once from the environment (and optionally a JSON file), validates it against
 * {@link ConfigSchema}, and answers it frozen. Throws one {@link ConfigError} listing every problem; no problem line
 * quotes a secret.
 */
export function loadConfig(options: LoadConfigOptions = {}): WxloginConfig {
  const { input, apps, masterKey, trustProxy, problems } = readConfig(options, 'service');
  if (problems.length > 0 || masterKey === undefined) throw new ConfigError(problems);

  const config = {
    ...input,
    wechatBaseUrl: input.wechatBaseUrl.replace(/\/+$/, ''),
    apps: apps.map((app) => withRedactedView({ ...app }, () => ({ appid: app.appid, secret: REDACTED_TEXT }))),
    masterKey: masterKey.toString('base64'),
    trustProxy,
  } as WxloginConfig;
  withRedactedView(config, () => redactedConfig(config));
  return deepFreeze(config);
}

/**
 * Reads what `wxlogin migrate` and `wxlogin gc` need, checked as {@link loadConfig} checks it, but with neither
 * `WXLOGIN_APPS` nor the master key required: a database job must not need the AppSecrets. Settings that are present
 * are still validated, so a typo is refused here as in `serve`.
 */
export function loadDatabaseConfig(options: LoadConfigOptions = {}): DatabaseConfig {
  const { input, problems } = readConfig(options, 'database');
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    databaseUrl: input.databaseUrl,
    dbPoolMax: input.dbPoolMax,
    dbStatementTimeoutMs: input.dbStatementTimeoutMs,
    migrate: input.migrate,
    logLevel: input.logLevel,
  });
}

interface ReadConfig {
  input: ConfigInput;
  apps: AppCredentials[];
  masterKey: Buffer | undefined;
  trustProxy: TrustProxy;
  problems: string[];
}

/** Where each key's value came from, as problems name it: the variable, or the key of the `--config` file. */
type Sources = Map<string, string>;

function readConfig(options: LoadConfigOptions, scope: 'service' | 'database'): ReadConfig {
  const env = options.env ?? {};
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  const sources: Sources = new Map();
  const nameOf = (key: string): string => sources.get(key) ?? envNameOf(key);
  // Reported once already: no second line for the same key.
  const reported = new Set<string>();

  if (options.configFile !== undefined) readConfigFile(options.configFile, raw, sources, problems);
  checkUnknownVariables(env, problems, options.warnings);

  for (const key of KEYS) {
    const name = envNameOf(key);
    const direct = nonEmpty(env[name]);
    const filePath = isSecretKey(key) ? nonEmpty(env[`${name}_FILE`]) : undefined;
    if (direct !== undefined && filePath !== undefined) {
      problems.push(`${name}: set either ${name} or ${name}_FILE, not both`);
      reported.add(key);
    } else if (direct !== undefined) {
      raw[key] = direct;
      sources.set(key, name);
    } else if (filePath !== undefined) {
      const text = readSecretFile(filePath, `${name}_FILE`, problems);
      if (text === undefined) reported.add(key);
      else {
        raw[key] = text;
        sources.set(key, `${name}_FILE`);
      }
    }
  }

  Value.Default(ConfigSchema, raw);
  const converted = Value.Convert(ConfigSchema, raw) as Record<string, unknown>;
  for (const error of Value.Errors(ConfigSchema, converted)) {
    const missing =
      error.keyword === 'required' ? (error.params as { requiredProperties?: string[] }).requiredProperties : undefined;
    if (missing) {
      for (const key of missing) {
        if (reported.has(key) || (scope === 'database' && SERVICE_ONLY_REQUIRED.has(key))) continue;
        reported.add(key);
        const alsoFile = options.configFile === undefined ? '' : ` (or "${key}" in the --config file)`;
        problems.push(`${envNameOf(key)}${alsoFile}: required`);
      }
      continue;
    }
    const key = error.instancePath.split('/')[1] ?? '';
    if (reported.has(key)) continue; // one line per variable: unions report each branch
    reported.add(key);
    problems.push(describeInvalid(key, nameOf(key), converted[key]));
  }

  const input = converted as ConfigInput;
  const apps = reported.has('apps') || input.apps === undefined ? [] : parseApps(input.apps, nameOf('apps'), problems);
  const masterKey =
    reported.has('masterKey') || input.masterKey === undefined
      ? undefined
      : parseMasterKey(input.masterKey, nameOf('masterKey'), problems);
  const trustProxy = reported.has('trustProxy')
    ? false
    : parseTrustProxy(input.trustProxy, nameOf('trustProxy'), problems);
  if (!reported.has('databaseUrl')) checkDatabaseUrl(input.databaseUrl, nameOf('databaseUrl'), problems);
  if (!reported.has('redisUrl') && input.redisUrl !== undefined && !/^rediss?:\/\//.test(input.redisUrl)) {
    problems.push(`${nameOf('redisUrl')}: must start with redis:// or rediss://`);
  }
  if (!reported.has('wechatBaseUrl')) checkHttpUrl(input.wechatBaseUrl, nameOf('wechatBaseUrl'), problems);
  if (
    !reported.has('refreshTtl') &&
    !reported.has('refreshAbsoluteTtl') &&
    input.refreshTtl > input.refreshAbsoluteTtl
  ) {
    problems.push(`${nameOf('refreshTtl')}: must not exceed ${nameOf('refreshAbsoluteTtl')}`);
  }
  return { input, apps, masterKey, trustProxy, problems };
}

/**
 * A `WXLOGIN_*` variable that no setting reads is a problem when it is a likely typo of one (named with the setting
 * it probably meant), and a warning otherwise.
 */
function checkUnknownVariables(
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
  warnings: string[] | undefined,
): void {
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('WXLOGIN_') || KNOWN_VARIABLES.includes(name)) continue;
    if (FOREIGN_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    const meant = closestName(name, KNOWN_VARIABLES, 'WXLOGIN_');
    if (meant !== undefined) problems.push(`${name}: unknown variable; did you mean ${meant}?`);
    else warnings?.push(`${name}: unknown variable, ignored (not a wxlogin setting)`);
  }
}

function redactedConfig(config: WxloginConfig): Record<string, unknown> {
  return {
    ...config,
    apps: config.apps.map((a) => ({ appid: a.appid, secret: REDACTED_TEXT })),
    masterKey: REDACTED_TEXT,
    databaseUrl: redactUrl(config.databaseUrl),
    ...(config.redisUrl === undefined ? {} : { redisUrl: redactUrl(config.redisUrl) }),
    ...(config.adminToken === undefined ? {} : { adminToken: REDACTED_TEXT }),
    ...(config.metricsToken === undefined ? {} : { metricsToken: REDACTED_TEXT }),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function readSecretFile(path: string, name: string, problems: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    problems.push(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

function readConfigFile(path: string, raw: Record<string, unknown>, sources: Sources, problems: string[]): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason =
      error instanceof SyntaxError ? 'not valid JSON' : ((error as NodeJS.ErrnoException).code ?? 'unreadable');
    problems.push(`--config ${path}: ${reason}`);
    return;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(`--config ${path}: must be a JSON object`);
    return;
  }
  for (const [key, value] of Object.entries(parsed)) {
    const fileKey = key.endsWith('File') ? key.slice(0, -4) : undefined;
    if (fileKey !== undefined && isSecretKey(fileKey)) {
      if (typeof value !== 'string') problems.push(`--config ${path}: ${key} must be a path`);
      else {
        const text = readSecretFile(value, `--config ${key}`, problems);
        if (text !== undefined) {
          raw[fileKey] = text;
          sources.set(fileKey, `--config ${key}`);
        }
      }
    } else if ((KEYS as string[]).includes(key)) {
      // The file may hold numbers and booleans as JSON values; the schema converts strings the same way.
      raw[key] = value;
      sources.set(key, `--config ${key}`);
    } else {
      const meant = closestName(key, KNOWN_FILE_KEYS);
      problems.push(`--config ${path}: unknown key "${key}"${meant === undefined ? '' : `; did you mean "${meant}"?`}`);
    }
  }
}

function describeInvalid(key: string, name: string, value: unknown): string {
  const schema = (ConfigSchema.properties as unknown as Record<string, Record<string, unknown>>)[key] ?? {};
  const expected = describeSchema(schema);
  if (isSecretKey(key)) return `${name}: invalid; expected ${expected}`;
  return `${name}: invalid value ${JSON.stringify(value)}; expected ${expected}`;
}

function describeSchema(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.join(', ')}`;
  if (schema.type === 'integer') {
    const min = schema.minimum as number | undefined;
    const max = schema.maximum as number | undefined;
    return max === undefined ? `an integer ≥ ${min ?? 0}` : `an integer from ${min ?? 0} to ${max}`;
  }
  if (schema.type === 'string' && typeof schema.minLength === 'number' && schema.minLength > 1) {
    return `at least ${schema.minLength} characters`;
  }
  if (schema.anyOf !== undefined) return 'appid:secret[,appid:secret…]';
  return 'a non-empty string';
}

function checkDatabaseUrl(url: string, name: string, problems: string[]): void {
  if (databaseKindOf(url) === undefined) problems.push(`${name}: expected ${DATABASE_URL_FORMS}`);
}

function checkHttpUrl(url: string, name: string, problems: string[]): void {
  let ok = false;
  try {
    const parsed = new URL(url);
    ok =
      (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.username === '' && parsed.password === '';
  } catch {
    ok = false;
  }
  if (!ok) problems.push(`${name}: invalid value ${JSON.stringify(url)}; expected an http(s) origin`);
}
