import { readFileSync } from 'node:fs';
import { Value } from 'typebox/value';
import { DATABASE_URL_FORMS, databaseKindOf } from '../store/database-url.js';
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
}

const KEYS = Object.keys(ConfigSchema.properties) as (keyof ConfigInput)[];

/**
 * Reads the configuration once from the environment (and optionally a JSON file), validates it against
 * {@link ConfigSchema}, and answers it frozen. Throws one {@link ConfigError} listing every problem; no problem line
 * quotes a secret.
 */
export function loadConfig(options: LoadConfigOptions = {}): WxloginConfig {
  const env = options.env ?? {};
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};

  if (options.configFile !== undefined) readConfigFile(options.configFile, raw, problems);

  for (const key of KEYS) {
    const name = envNameOf(key);
    const direct = nonEmpty(env[name]);
    const filePath = isSecretKey(key) ? nonEmpty(env[`${name}_FILE`]) : undefined;
    if (direct !== undefined && filePath !== undefined) {
      problems.push(`${name}: set either ${name} or ${name}_FILE, not both`);
    } else if (direct !== undefined) {
      raw[key] = direct;
    } else if (filePath !== undefined) {
      const text = readSecretFile(filePath, `${name}_FILE`, problems);
      if (text !== undefined) raw[key] = text;
    }
  }

  Value.Default(ConfigSchema, raw);
  const converted = Value.Convert(ConfigSchema, raw) as Record<string, unknown>;
  const reported = new Set<string>();
  for (const error of Value.Errors(ConfigSchema, converted)) {
    const missing =
      error.keyword === 'required' ? (error.params as { requiredProperties?: string[] }).requiredProperties : undefined;
    if (missing) {
      for (const key of missing) {
        reported.add(key);
        problems.push(`${envNameOf(key)}: required`);
      }
      continue;
    }
    const key = error.instancePath.split('/')[1] ?? '';
    if (reported.has(key)) continue; // one line per variable: unions report each branch
    reported.add(key);
    problems.push(describeInvalid(key, converted[key]));
  }

  const input = converted as ConfigInput;
  const apps =
    reported.has('apps') || input.apps === undefined ? [] : parseApps(input.apps, envNameOf('apps'), problems);
  const masterKey =
    reported.has('masterKey') || input.masterKey === undefined
      ? undefined
      : parseMasterKey(input.masterKey, envNameOf('masterKey'), problems);
  const trustProxy = reported.has('trustProxy')
    ? false
    : parseTrustProxy(input.trustProxy, envNameOf('trustProxy'), problems);
  if (!reported.has('databaseUrl')) checkDatabaseUrl(input.databaseUrl, problems);
  if (!reported.has('redisUrl') && input.redisUrl !== undefined && !/^rediss?:\/\//.test(input.redisUrl)) {
    problems.push(`${envNameOf('redisUrl')}: must start with redis:// or rediss://`);
  }
  if (!reported.has('wechatBaseUrl')) checkHttpUrl(input.wechatBaseUrl, envNameOf('wechatBaseUrl'), problems);
  if (
    !reported.has('refreshTtl') &&
    !reported.has('refreshAbsoluteTtl') &&
    input.refreshTtl > input.refreshAbsoluteTtl
  ) {
    problems.push(`${envNameOf('refreshTtl')}: must not exceed ${envNameOf('refreshAbsoluteTtl')}`);
  }

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

function readConfigFile(path: string, raw: Record<string, unknown>, problems: string[]): void {
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
        if (text !== undefined) raw[fileKey] = text;
      }
    } else if ((KEYS as string[]).includes(key)) {
      // The file may hold numbers and booleans as JSON values; the schema converts strings the same way.
      raw[key] = value;
    } else {
      problems.push(`--config ${path}: unknown key "${key}"`);
    }
  }
}

function describeInvalid(key: string, value: unknown): string {
  const name = envNameOf(key);
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

function checkDatabaseUrl(url: string, problems: string[]): void {
  if (databaseKindOf(url) === undefined) problems.push(`${envNameOf('databaseUrl')}: expected ${DATABASE_URL_FORMS}`);
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
