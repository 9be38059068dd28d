import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/config-error.js';
import { closestName, editDistance } from '../src/config/closest-name.js';
import { loadConfig, loadDatabaseConfig } from '../src/config/load-config.js';
import { ConfigSchema, envNameOf, isSecretKey } from '../src/config/schema.js';

const KEY = randomBytes(32).toString('base64');
const SECRET = 'app-secret-value-9f8e7d';
const base = { WXLOGIN_APPS: `wx0123456789abcdef:${SECRET}`, WXLOGIN_MASTER_KEY: KEY };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wxlogin-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('applies every Contract default', () => {
    const config = loadConfig({ env: base });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 3000,
      requestTimeoutMs: 15_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      databaseUrl: 'sqlite:./wxlogin.db',
      dbPoolMax: 10,
      dbStatementTimeoutMs: 5000,
      wechatBaseUrl: 'https://api.weixin.qq.com',
      wechatTimeoutMs: 5000,
      jwtAlg: 'ES256',
      issuer: 'wxlogin',
      audience: 'wxlogin',
      accessTtl: 900,
      refreshTtl: 2_592_000,
      refreshAbsoluteTtl: 7_776_000,
      refreshGraceS: 10,
      loginReplayS: 60,
      watermarkMaxAgeS: 86_400,
      rateLimitPerMin: 1200,
      userRateLimitPerMin: 30,
      trustProxy: false,
      phoneConflict: 'reject',
      phoneBindPerHour: 5,
      migrate: 'auto',
      logLevel: 'info',
    });
    expect(config.redisUrl).toBeUndefined();
    expect(config.adminToken).toBeUndefined();
    expect(config.metricsToken).toBeUndefined();
    expect(config.apps).toEqual([{ appid: 'wx0123456789abcdef', secret: SECRET }]);
  });

  it('covers every variable of the Contract table in the schema', () => {
    const names = Object.keys(ConfigSchema.properties).map(envNameOf).sort();
    expect(names).toEqual(
      [
        'WXLOGIN_HOST',
        'WXLOGIN_PORT',
        'WXLOGIN_REQUEST_TIMEOUT_MS',
        'WXLOGIN_HEADERS_TIMEOUT_MS',
        'WXLOGIN_KEEP_ALIVE_TIMEOUT_MS',
        'WXLOGIN_APPS',
        'WXLOGIN_DATABASE_URL',
        'WXLOGIN_DB_POOL_MAX',
        'WXLOGIN_DB_STATEMENT_TIMEOUT_MS',
        'WXLOGIN_REDIS_URL',
        'WXLOGIN_MASTER_KEY',
        'WXLOGIN_WECHAT_BASE_URL',
        'WXLOGIN_WECHAT_TIMEOUT_MS',
        'WXLOGIN_JWT_ALG',
        'WXLOGIN_ISSUER',
        'WXLOGIN_AUDIENCE',
        'WXLOGIN_ACCESS_TTL',
        'WXLOGIN_REFRESH_TTL',
        'WXLOGIN_REFRESH_ABSOLUTE_TTL',
        'WXLOGIN_REFRESH_GRACE_S',
        'WXLOGIN_LOGIN_REPLAY_S',
        'WXLOGIN_WATERMARK_MAX_AGE_S',
        'WXLOGIN_RATE_LIMIT_PER_MIN',
        'WXLOGIN_USER_RATE_LIMIT_PER_MIN',
        'WXLOGIN_TRUST_PROXY',
        'WXLOGIN_PHONE_CONFLICT',
        'WXLOGIN_PHONE_BIND_PER_HOUR',
        'WXLOGIN_ADMIN_TOKEN',
        'WXLOGIN_METRICS_TOKEN',
        'WXLOGIN_MIGRATE',
        'WXLOGIN_LOG_LEVEL',
      ].sort(),
    );
  });

  it('converts numbers and parses several apps, proxy hops and CIDRs', () => {
    const config = loadConfig({
      env: {
        ...base,
        WXLOGIN_APPS: ` wxaaaaaaaaaaaaaaaa:s1 , wxdevapp00000001:s2 `,
        WXLOGIN_PORT: '8080',
        WXLOGIN_JWT_ALG: 'EdDSA',
        WXLOGIN_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      },
    });
    expect(config.port).toBe(8080);
    expect(config.jwtAlg).toBe('EdDSA');
    expect(config.apps.map((a) => a.appid)).toEqual(['wxaaaaaaaaaaaaaaaa', 'wxdevapp00000001']);
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({ env: { ...base, WXLOGIN_TRUST_PROXY: '2' } }).trustProxy).toBe(2);
  });

  // docs/databases.md lists mariadb:// and the store opens it; the loader refused it before the store ever saw it.
  it('accepts every database URL the store opens, mariadb:// included, and refuses the rest', () => {
    for (const url of [
      'sqlite:./x.db',
      'sqlite::memory:',
      'postgres://u@h/db',
      'postgresql://u@h/db',
      'mysql://u@h/db',
      'mariadb://u@h/db',
      'MariaDB://u@h/db',
    ]) {
      expect(loadConfig({ env: { ...base, WXLOGIN_DATABASE_URL: url } }).databaseUrl, url).toBe(url);
    }
    for (const url of ['oracle://x', 'mariadb:', 'mysql:/h', 'sqlite:', 'postgres:h']) {
      expect(problemsOf({ WXLOGIN_DATABASE_URL: url }).join('\n'), url).toContain('WXLOGIN_DATABASE_URL: expected');
    }
  });

  it('reports every problem together, naming each variable', () => {
    const problems = problemsOf({
      WXLOGIN_PORT: 'eighty',
      WXLOGIN_JWT_ALG: 'HS256',
      WXLOGIN_MIGRATE: 'sometimes',
      WXLOGIN_DATABASE_URL: 'oracle://x',
      WXLOGIN_REDIS_URL: 'http://redis',
      WXLOGIN_TRUST_PROXY: 'not-an-ip',
      WXLOGIN_ADMIN_TOKEN: 'short',
      WXLOGIN_REFRESH_TTL: '9000000',
    });
    const text = problems.join('\n');
    for (const name of [
      'WXLOGIN_APPS: required',
      'WXLOGIN_MASTER_KEY: required',
      'WXLOGIN_PORT',
      'WXLOGIN_JWT_ALG',
      'WXLOGIN_MIGRATE',
      'WXLOGIN_DATABASE_URL',
      'WXLOGIN_REDIS_URL',
      'WXLOGIN_TRUST_PROXY',
      'WXLOGIN_ADMIN_TOKEN',
      'WXLOGIN_REFRESH_TTL',
    ]) {
      expect(text).toContain(name);
    }
    expect(problems.length).toBeGreaterThanOrEqual(10);
  });

  it('never quotes a secret in a problem or the error message', () => {
    const weakKey = Buffer.alloc(32, 7).toString('base64');
    const adminToken = 'tiny-admin';
    const dbUrl = 'redis://user:db-password-123@host/0';
    let message = '';
    try {
      loadConfig({
        env: {
          WXLOGIN_APPS: `wxdevapp00000001:${SECRET},broken-entry-with-${SECRET}`,
          WXLOGIN_MASTER_KEY: weakKey,
          WXLOGIN_ADMIN_TOKEN: adminToken,
          WXLOGIN_DATABASE_URL: dbUrl,
        },
      });
    } catch (error) {
      message = `${(error as Error).message}\n${inspect(error)}\n${JSON.stringify(error)}`;
    }
    expect(message).toContain('WXLOGIN_MASTER_KEY: looks weak');
    expect(message).toContain('WXLOGIN_APPS: entry 2');
    expect(message).toContain('WXLOGIN_DATABASE_URL');
    for (const secret of [SECRET, weakKey, adminToken, 'db-password-123']) expect(message).not.toContain(secret);
  });

  it('refuses a missing, short, non-base64 or weak master key', () => {
    expect(problemsOf({ WXLOGIN_APPS: base.WXLOGIN_APPS })).toEqual(['WXLOGIN_MASTER_KEY: required']);
    expect(problemsOf({ ...base, WXLOGIN_MASTER_KEY: randomBytes(16).toString('base64') })[0]).toMatch(
      /32 bytes, got 16/,
    );
    expect(problemsOf({ ...base, WXLOGIN_MASTER_KEY: 'not base64 at all!' })[0]).toMatch(/not base64/);
    const pattern = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    expect(problemsOf({ ...base, WXLOGIN_MASTER_KEY: pattern })[0]).toMatch(/weak/);
  });

  it('refuses duplicate apps, empty secrets and bad appids', () => {
    const problems = problemsOf({ ...base, WXLOGIN_APPS: 'wxa:s,wxa:t,wxb:,bad appid:x' });
    expect(problems).toEqual([
      'WXLOGIN_APPS: app wxa is listed twice',
      'WXLOGIN_APPS: app wxb has an empty secret',
      expect.stringMatching(/entry 4 has an invalid appid/),
    ]);
  });

  it('refuses an appid longer than 32 characters at start (the appid columns are varchar(32): every login would fail)', () => {
    const env = {
      WXLOGIN_MASTER_KEY: randomBytes(32).toString('base64'),
      WXLOGIN_APPS: `wx${'a'.repeat(31)}:secret-value`,
    };
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(/entry 1 has an invalid appid/);
    expect(
      loadConfig({ env: { ...env, WXLOGIN_APPS: `wx${'a'.repeat(30)}:secret-value` } }).apps[0]?.appid,
    ).toHaveLength(32);
  });

  it('reads <NAME>_FILE for secrets, and refuses both forms at once in one line (also said "required")', async () => {
    const keyFile = join(dir, 'master.key');
    const appsFile = join(dir, 'apps');
    await writeFile(keyFile, `${KEY}\n`);
    await writeFile(appsFile, `wxdevapp00000001:${SECRET}\n`);
    const config = loadConfig({ env: { WXLOGIN_MASTER_KEY_FILE: keyFile, WXLOGIN_APPS_FILE: appsFile } });
    expect(config.masterKey).toBe(KEY);
    expect(config.apps[0]?.secret).toBe(SECRET);

    const problems = problemsOf({
      ...base,
      WXLOGIN_MASTER_KEY_FILE: keyFile,
      WXLOGIN_ADMIN_TOKEN_FILE: join(dir, 'missing'),
    });
    expect(problems).toEqual([
      'WXLOGIN_MASTER_KEY: set either WXLOGIN_MASTER_KEY or WXLOGIN_MASTER_KEY_FILE, not both',
      expect.stringMatching(/^WXLOGIN_ADMIN_TOKEN_FILE: cannot read .*missing \(ENOENT\)$/),
    ]);
  });

  it('reports a secret set both directly and by _FILE as one problem, for every secret (the master key also said "required")', async () => {
    const secretFile = join(dir, 'any-secret');
    await writeFile(secretFile, 'x'.repeat(32));
    const secrets = Object.keys(ConfigSchema.properties).filter(isSecretKey);
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const key of secrets) {
      const name = envNameOf(key);
      const direct = name in base ? base[name as keyof typeof base] : 'y'.repeat(32);
      expect(problemsOf({ ...base, [name]: direct, [`${name}_FILE`]: secretFile }), name).toEqual([
        `${name}: set either ${name} or ${name}_FILE, not both`,
      ]);
    }
  });

  it('reads a camelCase config file, with the environment taking precedence', async () => {
    const file = join(dir, 'wxlogin.json');
    await writeFile(
      file,
      JSON.stringify({
        apps: [{ appid: 'wxdevapp00000001', secret: SECRET }],
        masterKey: KEY,
        port: 4000,
        dbPoolMax: 3,
        issuer: 'file',
      }),
    );
    const config = loadConfig({ configFile: file, env: { WXLOGIN_ISSUER: 'env' } });
    expect(config).toMatchObject({ port: 4000, dbPoolMax: 3, issuer: 'env' });
    expect(config.apps).toEqual([{ appid: 'wxdevapp00000001', secret: SECRET }]);

    await writeFile(file, JSON.stringify({ masterKey: KEY, apps: 'wxa:s', portt: 1 }));
    expect(problemsOf({}).length).toBeGreaterThan(0);
    expect(() => loadConfig({ configFile: file })).toThrow(/unknown key "portt"/);
  });

  it('freezes the result deeply and redacts secrets in JSON and inspect', () => {
    const config = loadConfig({
      env: {
        ...base,
        WXLOGIN_ADMIN_TOKEN: 'admin-token-0123456789',
        WXLOGIN_DATABASE_URL: 'postgres://u:pw-xyz@db/wx',
      },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.apps)).toBe(true);
    expect(Object.isFrozen(config.apps[0])).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    const shown = `${JSON.stringify(config)}\n${inspect(config, { depth: 5 })}\n${inspect(config.apps[0])}\n${JSON.stringify(config.apps)}`;
    for (const secret of [SECRET, KEY, 'admin-token-0123456789', 'pw-xyz']) expect(shown).not.toContain(secret);
    expect(shown).toContain('wx0123456789abcdef');
    expect(shown).toContain('postgres://u:[redacted]@db/wx');
  });
});

describe('configuration mistakes', () => {
  it('refuses a likely typo of a variable with the name it meant (WXLOGIN_DATABASE_URI was ignored: SQLite used)', () => {
    const problems = problemsOf({ ...base, WXLOGIN_DATABASE_URI: 'postgres://u:pw-typo@db/wx' });
    expect(problems).toEqual(['WXLOGIN_DATABASE_URI: unknown variable; did you mean WXLOGIN_DATABASE_URL?']);
    expect(problems.join('\n')).not.toContain('pw-typo');
    expect(problemsOf({ ...base, WXLOGIN_MASTERKEY_FILE: '/x' })).toEqual([
      'WXLOGIN_MASTERKEY_FILE: unknown variable; did you mean WXLOGIN_MASTER_KEY_FILE?',
    ]);
  });

  it('warns of a WXLOGIN_* variable that is no setting and no likely typo, and ignores its own test variables', () => {
    const warnings: string[] = [];
    loadConfig({
      env: { ...base, WXLOGIN_URL: 'http://x', WXLOGIN_TEST_PG_URL: 'postgres://t', WXLOGIN_BENCH_MYSQL_URL: 'm' },
      warnings,
    });
    expect(warnings).toEqual(['WXLOGIN_URL: unknown variable, ignored (not a wxlogin setting)']);
  });

  it('offers the key a --config file probably meant', async () => {
    const file = join(dir, 'typo.json');
    await writeFile(file, JSON.stringify({ masterKey: KEY, apps: 'wxa:s', databaseUri: 'sqlite::memory:' }));
    expect(() => loadConfig({ configFile: file })).toThrow(/unknown key "databaseUri"; did you mean "databaseUrl"\?/);
  });

  it('names a bad value from --config by its key, not by the variable (a short adminToken was WXLOGIN_ADMIN_TOKEN)', async () => {
    const file = join(dir, 'admin.json');
    await writeFile(
      file,
      JSON.stringify({ masterKey: KEY, apps: `wx0123456789abcdef:${SECRET}`, adminToken: 'short', port: -1 }),
    );
    let problems: readonly string[] = [];
    try {
      loadConfig({ configFile: file });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      '--config port: invalid value -1; expected an integer from 0 to 65535',
      '--config adminToken: invalid; expected at least 16 characters',
    ]);
    // The same mistakes from the environment are named by the variables.
    expect(problemsOf({ ...base, WXLOGIN_ADMIN_TOKEN: 'short' })).toEqual([
      'WXLOGIN_ADMIN_TOKEN: invalid; expected at least 16 characters',
    ]);
  });

  it('reads the database settings without the AppSecrets or the master key (gc and migrate needed WXLOGIN_APPS)', () => {
    const config = loadDatabaseConfig({ env: { WXLOGIN_DATABASE_URL: 'sqlite::memory:', WXLOGIN_DB_POOL_MAX: '4' } });
    expect(config).toEqual({
      databaseUrl: 'sqlite::memory:',
      dbPoolMax: 4,
      dbStatementTimeoutMs: 5000,
      migrate: 'auto',
      logLevel: 'info',
    });
    expect(() => loadDatabaseConfig({ env: { WXLOGIN_DATABASE_URL: 'mongodb://x' } })).toThrow(
      /WXLOGIN_DATABASE_URL: expected sqlite:PATH/,
    );
    expect(() => loadDatabaseConfig({ env: { WXLOGIN_DATABSE_URL: 'x' } })).toThrow(
      /did you mean WXLOGIN_DATABASE_URL/,
    );
  });

  it('takes a name for a typo only when it is close (a third of its length)', () => {
    expect(editDistance('URI', 'URL')).toBe(1);
    expect(editDistance('POTR', 'PORT')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(closestName('WXLOGIN_PROT', ['WXLOGIN_PORT', 'WXLOGIN_HOST'], 'WXLOGIN_')).toBe('WXLOGIN_PORT');
    expect(closestName('WXLOGIN_URL', ['WXLOGIN_PORT', 'WXLOGIN_HOST'], 'WXLOGIN_')).toBeUndefined();
    expect(closestName('issuer', ['issuer', 'audience'])).toBe('issuer');
  });
});
