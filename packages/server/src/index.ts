/**
 * `@wxlogin/server`: the wxlogin service as a Fastify app (`createApp`), as an encapsulated Fastify routes plugin
 * (`wxloginRoutes`), or as plain async functions for any framework (`createAuth`).
 */
export { createApp, type CreateAppOptions, type WxloginApp } from './app.js';
export { createAuth, type CreateAuthOptions } from './auth/create-auth.js';
export type { Auth, LoginInput, WeChatLoginClient } from './auth/types.js';
export type { LoginResponse, TokenResponse } from './schemas/tokens.js';
export type { ProfilePatch, User } from './schemas/user.js';
export type { BindPhoneInput, DecryptInput } from './schemas/phone.js';
export type { Readiness } from './schemas/readiness.js';
export type { AdminApi } from './admin/types.js';
export type {
  AdminAccessTokenState,
  AdminApp,
  AdminAuditEvent,
  AdminOverview,
  AdminSession,
  AdminUser,
  AdminUserDetail,
  PhoneSpend,
  WeChatApiStats,
} from './schemas/admin.js';
export type { LoginStatsPoint, LoginStatsReport, OutcomeCounts, StatsWindow } from './stats/login-stats-report.js';
export type { Page } from './store/types.js';
export { loadConfig, type LoadConfigOptions, type WxloginConfig } from './config/load-config.js';
export { ConfigError } from './config/config-error.js';
export { ConfigSchema, envNameOf, type ConfigInput } from './config/schema.js';
export type { AppCredentials } from './config/parse-apps.js';
export type { TrustProxy } from './config/parse-trust-proxy.js';
export { ERROR_CATALOGUE, isErrorCode, type ErrorCode } from './errors/catalogue.js';
export { AppError, type AppErrorOptions, type WeChatErrorDetail } from './errors/app-error.js';
export { toAppError } from './errors/to-app-error.js';
export {
  API_ERRCODE_ERROR_CODES,
  ERRCODE_ERROR_CODES,
  KIND_ERROR_CODES,
  errorCodeOfWeChat,
} from './errors/wechat-error-code.js';
export { wxloginRoutes, type WxloginRoutesOptions } from './routes/wxlogin-routes.js';
export {
  requireWxUser,
  wxUserPlugin,
  type WxUser,
  type WxUserClaims,
  type WxUserPluginOptions,
} from './plugins/wx-user.js';
export type { IpRateLimitOptions } from './rate-limit/ip-rate-limit.js';
export { silentMetrics, type AuthMetrics } from './metrics/auth-metrics.js';
export {
  createPrometheusMetrics,
  type PrometheusMetrics,
  type PrometheusMetricsOptions,
} from './metrics/prometheus-metrics.js';
export { metricsRoute, type MetricsRouteOptions } from './metrics/metrics-route.js';
export { registerApiDocs } from './openapi/register-api-docs.js';
export { handleError, handleNotFound, INTERNAL_ERROR_CODE, type ErrorEnvelope } from './routes/error-handler.js';
export { CLOCK_TOLERANCE_S, type AccessTokenClaims } from './tokens/access-token.js';
export { REFRESH_TOKEN_PREFIX } from './tokens/refresh-token.js';
export { SIGNING_ALGS, type PublishedJwk, type SigningAlg } from './tokens/signing-keys.js';
export { createSealer, masterKeyId, SealError, type Sealer } from './crypto/seal.js';
export { createIdGenerator, type IdGenerator } from './ids.js';
export { systemClock, type Clock } from './clock.js';
export type { RandomFill } from './random.js';
export type { Logger } from './logger.js';
export type { Store } from './store/types.js';
