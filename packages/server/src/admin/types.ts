import type { Page } from '../store/types.js';
import type { LoginStatsReport, StatsWindow } from '../stats/login-stats-report.js';
import type { AdminApp, AdminAuditEvent, AdminOverview, AdminUser, AdminUserDetail } from '../schemas/admin.js';

/**
 * The operator's functions behind `/admin/api`, usable as a library too. Every mutation is audited with actor
 * `admin` and takes effect on this instance's session checks at once. Unknown users throw `NOT_FOUND`.
 */
export interface AdminApi {
  /** True when `WXLOGIN_ADMIN_TOKEN` is set; only then is the HTTP admin API served. */
  readonly tokenConfigured: boolean;
  /** Throws `UNAUTHORIZED` unless `token` is the admin token (compared in constant time). */
  verifyToken(token: string | undefined): void;
  /** Newest first; `q` matches id, openid, unionid or E.164 phone exactly. `limit` 1..100 (else `VALIDATION_FAILED`), default 50. */
  listUsers(query: { q?: string; cursor?: string; limit?: number }): Promise<Page<AdminUser>>;
  getUser(id: string): Promise<AdminUserDetail>;
  /** Ends every session of the user; answers how many were live. */
  revokeSessions(id: string): Promise<{ revoked: number }>;
  /** Ends one session of the user (`NOT_FOUND` when it is not one of the user's); answers 1, or 0 if it had ended. */
  revokeSession(id: string, sessionId: string): Promise<{ revoked: number }>;
  /** Disables the user and ends its sessions; login, refresh and `/v1/me*` answer `USER_DISABLED`. */
  disableUser(id: string, reason?: string | null): Promise<AdminUser>;
  enableUser(id: string): Promise<AdminUser>;
  unbindPhone(id: string): Promise<AdminUser>;
  /** Account deletion, as `DELETE /v1/me` does it. */
  deleteUser(id: string): Promise<void>;
  /** Login outcomes of the window, summed over every instance (this instance's counts flushed first). */
  stats(query: { window: StatsWindow; appid?: string }): Promise<LoginStatsReport>;
  /** What the console's overview shows besides the chart: health, WeChat calls, phone spend, reuse alarms, apps. */
  overview(query: { window: StatsWindow }): Promise<AdminOverview>;
  /** The configured apps and their access-token state (never a secret or a token). */
  apps(): Promise<Page<AdminApp>>;
  /** Newest first, optionally of one user and one action. `limit` 1..100 (else `VALIDATION_FAILED`), default 50. */
  audit(query: { cursor?: string; limit?: number; userId?: string; action?: string }): Promise<Page<AdminAuditEvent>>;
}
