/**
 * The shapes the admin API (`/admin/api`) answers with: the server's own types, made from the schemas its routes
 * serialise with, so the console cannot drift from what the API sends (types only: nothing of the server is bundled).
 * Times are ISO 8601 strings; nullable fields are present as `null`.
 */
export type {
  AdminAccessTokenState as AccessTokenState,
  AdminApp,
  AdminAuditEvent,
  AdminOverview,
  AdminSession,
  AdminUser,
  AdminUserDetail,
  LoginStatsPoint as StatsPoint,
  LoginStatsReport as AdminStats,
  OutcomeCounts as Counts,
  Page,
  Readiness as AdminHealth,
  StatsWindow,
  WeChatApiStats as WechatApiStats,
} from '@wxlogin/server';
