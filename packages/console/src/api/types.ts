/**
 * The shapes the admin API (`/admin/api`) answers with, as the console reads them. Times are ISO 8601 strings;
 * nullable fields are present as `null`.
 */

/** A user as the admin API shows it. */
export interface AdminUser {
  id: string;
  appid: string;
  openid: string;
  unionid: string | null;
  /** E.164, e.g. `+8613800138000`. */
  phone: string | null;
  nickname: string | null;
  avatarUrl: string | null;
  status: 'active' | 'disabled';
  createdAt: string;
  disabledReason: string | null;
  lastLoginAt: string;
  updatedAt: string;
}

/** One session (a device) of a user. */
export interface AdminSession {
  id: string;
  appid: string;
  userAgent: string | null;
  ip: string | null;
  generation: number;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  absoluteExpiresAt: string;
  revokedAt: string | null;
  revokedReason: string | null;
  /** Neither revoked nor expired. */
  active: boolean;
}

/** `GET /admin/api/users/:id`. */
export interface AdminUserDetail {
  user: AdminUser;
  /** Newest first. */
  sessions: AdminSession[];
  /** Users of other apps with the same unionid. */
  linkedAccounts: AdminUser[];
}

/** An audit event; `actor` is `admin`, `system` or `user:<id>`. */
export interface AdminAuditEvent {
  id: string;
  at: string;
  actor: string;
  action: string;
  appid: string | null;
  userId: string | null;
  detail: Record<string, unknown> | null;
}

/** A list page: `nextCursor` is null on the last one. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The WeChat access_token cache of one app. */
export interface AccessTokenState {
  cached: boolean;
  fetchedAt: string | null;
  expiresAt: string | null;
  /** Forced refreshes spent today; null when unknown. */
  forcedToday: number | null;
  forcedBudget: number;
  /** True when the token is kept in Redis for every instance. */
  shared: boolean;
}

/** A configured mini program (never its secret). */
export interface AdminApp {
  appid: string;
  accessToken: AccessTokenState;
}

/** The windows the charts offer. */
export type StatsWindow = '1h' | '24h';

/** Counts keyed by outcome (`success` or an error code) or by WeChat errcode; absent keys are zero. */
export type Counts = Record<string, number>;

/** One minute of the stats series. */
export interface StatsPoint {
  /** Start of the minute. */
  minute: string;
  total: number;
  counts: Counts;
  /** Non-zero errcodes jscode2session answered in this minute. */
  wechatErrcodes: Counts;
}

/** `GET /admin/api/stats`. */
export interface AdminStats {
  window: StatsWindow;
  appid: string | null;
  from: string;
  to: string;
  total: number;
  totals: Counts;
  /** One point per minute, oldest first, no gaps. */
  series: StatsPoint[];
  wechatErrcodes: Counts;
}

/** The service's health as the overview reports it. */
export interface AdminHealth {
  ok: boolean;
  database: 'ok' | 'unreachable';
  redis: 'not_configured' | 'ok' | 'unreachable';
  wechat: { baseUrl: string; warning?: string; circuit?: 'closed' | 'open' | 'half_open' | 'disabled' };
}

/** Calls to one WeChat API, summed over instances; p50/p95 are histogram bucket upper bounds. */
export interface WechatApiStats {
  api: string;
  calls: number;
  errors: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** `GET /admin/api/overview`. */
export interface AdminOverview {
  window: StatsWindow;
  from: string;
  to: string;
  health: AdminHealth;
  wechatApis: WechatApiStats[];
  phone: { redeemed: number; failed: number; costYuan: { quick: number; realtime: number } };
  refreshReuse: { detected: number; recent: AdminAuditEvent[] };
  apps: AdminApp[];
}
