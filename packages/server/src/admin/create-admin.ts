import type { AuthContext } from '../auth/context.js';
import { REUSE_DETECTED_ACTION } from '../auth/refresh.js';
import { unbindPhone } from '../auth/unbind-phone.js';
import { deleteUser, revokeUserSession, revokeUserSessions, setUserDisabled } from '../auth/user-lifecycle.js';
import { AppError } from '../errors/app-error.js';
import { UUID_PATTERN } from '../ids.js';
import { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from '../schemas/limits.js';
import type { LoginStatsRecorder } from '../stats/login-stats-recorder.js';
import type { AdminApp } from '../schemas/admin.js';
import type { Readiness } from '../schemas/readiness.js';
import { loginStatsReport, statsWindow, windowRows } from '../stats/login-stats-report.js';
import { wechatCallReport } from '../stats/wechat-call-report.js';
import type { UserRow } from '../store/types.js';
import { createAdminTokenCheck } from './admin-token.js';
import { toAdminApp, toAdminAuditEvent, toAdminSession, toAdminUser } from './admin-views.js';
import type { AdminApi } from './types.js';

const ACTOR = 'admin';

// The HTTP schema refuses these too; this is for hosts that call `auth.admin` as a library.
const pageLimit = (limit: number | undefined): number => {
  if (limit === undefined) return PAGE_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMIT_MAX) {
    throw new AppError('VALIDATION_FAILED', `limit must be an integer from 1 to ${PAGE_LIMIT_MAX}.`);
  }
  return limit;
};

const notFound = (): AppError => new AppError('NOT_FOUND', 'No such user.');

/** What the admin functions read besides the auth context. */
export interface AdminSources {
  /** The instance's login-outcome recorder (flushed before a chart is read). */
  stats: LoginStatsRecorder;
  /** The instance's readiness, as `/readyz` answers it. */
  readiness: () => Promise<Readiness>;
}

const RECENT_REUSE = 10;

/** The admin functions over the auth context. */
export function createAdmin(ctx: AuthContext, { stats, readiness }: AdminSources): AdminApi {
  const { store, clock, config, wechat } = ctx;
  const configured = config.adminToken;
  const tokenMatches = configured === undefined ? undefined : createAdminTokenCheck(configured);

  // Ids are UUIDs: anything else is answered without a query (and never reaches MySQL's ascii columns).
  const requireUser = async (id: string): Promise<UserRow> => {
    const row = UUID_PATTERN.test(id) ? await store.getUser(id) : undefined;
    if (!row) throw notFound();
    return row;
  };
  const found = <T>(value: T | undefined): T => {
    if (value === undefined) throw notFound();
    return value;
  };

  // A state that cannot be read (the client has no such method, or it failed) is shown as unknown, never an error:
  // the console must still open while WeChat or Redis is in trouble.
  const appStates = (): Promise<AdminApp[]> =>
    Promise.all(
      config.apps.map(async ({ appid }) =>
        toAdminApp(appid, await wechat.accessTokenState?.(appid).catch(() => undefined), config.redisUrl !== undefined),
      ),
    );

  return {
    tokenConfigured: configured !== undefined,

    verifyToken(token) {
      if (tokenMatches === undefined || !tokenMatches(token)) {
        throw new AppError('UNAUTHORIZED', 'Missing or wrong admin token.');
      }
    },

    async listUsers({ q, cursor, limit }) {
      const page = await store.searchUsers({
        ...(q === undefined ? {} : { q }),
        ...(cursor === undefined ? {} : { cursor }),
        limit: pageLimit(limit),
      });
      return { items: page.items.map(toAdminUser), nextCursor: page.nextCursor };
    },

    async getUser(id) {
      const row = await requireUser(id);
      const [sessions, linked] = await Promise.all([store.listUserSessions(row.id), store.linkedAccounts(row)]);
      const now = clock();
      return {
        user: toAdminUser(row),
        sessions: sessions.map((session) => toAdminSession(session, now)),
        linkedAccounts: linked.map(toAdminUser),
      };
    },

    async revokeSession(id, sessionId) {
      await requireUser(id);
      // Session ids are UUIDs too: anything else is no session of this user, answered without a query.
      const revoked = UUID_PATTERN.test(sessionId) ? await revokeUserSession(ctx, id, sessionId, ACTOR) : undefined;
      if (revoked === undefined) throw new AppError('NOT_FOUND', 'No such session of this user.');
      return { revoked };
    },

    async revokeSessions(id) {
      await requireUser(id);
      return { revoked: found(await revokeUserSessions(ctx, id, ACTOR)) };
    },

    async disableUser(id, reason) {
      // PostgreSQL refuses NUL in text: a 500 otherwise.
      if (reason?.includes('\u0000'))
        throw new AppError('VALIDATION_FAILED', 'reason must not contain NUL characters.');
      await requireUser(id);
      return toAdminUser(
        found(await setUserDisabled(ctx, id, { disabled: true, reason: reason ?? null, actor: ACTOR })),
      );
    },

    async enableUser(id) {
      await requireUser(id);
      return toAdminUser(found(await setUserDisabled(ctx, id, { disabled: false, actor: ACTOR })));
    },

    async unbindPhone(id) {
      await requireUser(id);
      return toAdminUser(found(await unbindPhone(ctx, id, ACTOR)));
    },

    async deleteUser(id) {
      await requireUser(id);
      if (!(await deleteUser(ctx, id, ACTOR))) throw notFound();
    },

    async stats({ window, appid }) {
      if (appid !== undefined && !config.apps.some((app) => app.appid === appid)) throw new AppError('UNKNOWN_APP');
      // This instance's last seconds too, so a chart opened right after a login shows it.
      await stats.flush();
      return loginStatsReport(store, { window, now: clock(), ...(appid === undefined ? {} : { appid }) });
    },

    async overview({ window }) {
      await stats.flush();
      const now = clock();
      const [{ since, until, rows }, health, reuse, recent, apps] = await Promise.all([
        windowRows(store, { window, now }),
        readiness(),
        store.countAuditEvents({ action: REUSE_DETECTED_ACTION, since: statsWindow(window, now).since }),
        store.listAudit({ action: REUSE_DETECTED_ACTION, limit: RECENT_REUSE }),
        appStates(),
      ]);
      const { apis, phone } = wechatCallReport(rows);
      return {
        window,
        from: new Date(since).toISOString(),
        to: new Date(until).toISOString(),
        health,
        wechatApis: apis,
        phone,
        refreshReuse: { detected: reuse.count, recent: recent.items.map(toAdminAuditEvent) },
        apps,
      };
    },

    async apps() {
      return { items: await appStates(), nextCursor: null };
    },

    async audit({ cursor, limit, userId, action }) {
      const page = await store.listAudit({
        ...(cursor === undefined ? {} : { cursor }),
        ...(userId === undefined ? {} : { userId }),
        ...(action === undefined ? {} : { action }),
        limit: pageLimit(limit),
      });
      return { items: page.items.map(toAdminAuditEvent), nextCursor: page.nextCursor };
    },
  };
}
