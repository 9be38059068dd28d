import { Type, type Static } from 'typebox';
import { SIGNING_ALGS } from '../schemas/limits.js';

const int = (minimum: number, def: number, maximum?: number) =>
  Type.Integer({ minimum, default: def, ...(maximum === undefined ? {} : { maximum }) });

/**
 * The whole environment of `wxlogin serve` (part of the Contract, docs/architecture.md#changing-things), as
 * camelCase keys: `WXLOGIN_DB_POOL_MAX` is `dbPoolMax`, the same key a `--config file.json` uses. Defaults are the
 * Contract's (docs/operations.md). Values read from the environment are strings and converted against this schema;
 * fields marked `secret` also accept `<NAME>_FILE` and are never echoed in an error. Apps, the master key and
 * `trustProxy` are checked further in `load-config.ts`.
 */
export const ConfigSchema = Type.Object({
  host: Type.String({ minLength: 1, default: '0.0.0.0' }),
  port: int(0, 3000, 65535),
  /** Whole request (headers and body) must arrive within this; slow clients are answered 408 and cut. */
  requestTimeoutMs: int(1000, 15_000, 300_000),
  /** The request headers must arrive within this. */
  headersTimeoutMs: int(1000, 10_000, 300_000),
  /** An idle keep-alive connection is closed after this (keep it above a load balancer's idle timeout). */
  keepAliveTimeoutMs: int(1000, 72_000, 600_000),
  /** `appid:secret,appid:secret`, or (config file) a list of `{ appid, secret }`. */
  apps: Type.Union(
    [
      Type.String(),
      Type.Array(Type.Object({ appid: Type.String(), secret: Type.String() }, { additionalProperties: false })),
    ],
    { secret: true },
  ),
  databaseUrl: Type.String({ minLength: 1, default: 'sqlite:./wxlogin.db', secret: true }),
  dbPoolMax: int(1, 10, 1000),
  dbStatementTimeoutMs: int(0, 5000),
  redisUrl: Type.Optional(Type.String({ minLength: 1, secret: true })),
  masterKey: Type.String({ secret: true }),
  wechatBaseUrl: Type.String({ minLength: 1, default: 'https://api.weixin.qq.com' }),
  wechatTimeoutMs: int(100, 5000, 120_000),
  jwtAlg: Type.Enum(SIGNING_ALGS, { default: 'ES256' }),
  issuer: Type.String({ minLength: 1, default: 'wxlogin' }),
  audience: Type.String({ minLength: 1, default: 'wxlogin' }),
  accessTtl: int(60, 900, 86_400),
  refreshTtl: int(60, 2_592_000),
  refreshAbsoluteTtl: int(60, 7_776_000),
  refreshGraceS: int(0, 10, 60),
  loginReplayS: int(0, 60, 300),
  watermarkMaxAgeS: int(0, 86_400),
  rateLimitPerMin: int(0, 1200),
  userRateLimitPerMin: int(0, 30),
  /** `off` | `true` | a hop count | comma-separated IPs/CIDRs. */
  trustProxy: Type.String({ default: 'off' }),
  phoneConflict: Type.Enum(['reject', 'move'], { default: 'reject' }),
  phoneBindPerHour: int(0, 5),
  adminToken: Type.Optional(Type.String({ minLength: 16, secret: true })),
  metricsToken: Type.Optional(Type.String({ minLength: 16, secret: true })),
  migrate: Type.Enum(['auto', 'off'], { default: 'auto' }),
  logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
});

/** The configuration as the schema accepts it, before apps, master key and proxy trust are parsed. */
export type ConfigInput = Static<typeof ConfigSchema>;

/** Every key of the schema. */
export type ConfigKey = keyof ConfigInput;

/** `dbPoolMax` → `WXLOGIN_DB_POOL_MAX`. */
export function envNameOf(key: string): string {
  return `WXLOGIN_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** True for keys whose values are secrets (accept `<NAME>_FILE`, never echoed). */
export function isSecretKey(key: string): boolean {
  const prop = (ConfigSchema.properties as Record<string, { secret?: boolean }>)[key];
  return prop?.secret === true;
}
