import { toUser } from '../auth/user-view.js';
import type { AccessTokenState } from '@wxlogin/core';
import type { AdminApp, AdminAuditEvent, AdminSession, AdminUser } from '../schemas/admin.js';
import type { AuditEventRow, SessionRow, UserRow } from '../store/types.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The admin view of a `users` row. */
export function toAdminUser(row: UserRow): AdminUser {
  return {
    ...toUser(row),
    disabledReason: row.disabledReason,
    lastLoginAt: iso(row.lastLoginAt),
    updatedAt: iso(row.updatedAt),
  };
}

/**
 * The admin view of an app and what its WeChat client knows of its access_token (`undefined`: a client that cannot
 * tell, or whose cache could not be read). `shared` is whether the token cache is Redis, for every instance.
 */
export function toAdminApp(appid: string, state: AccessTokenState | undefined, shared: boolean): AdminApp {
  if (state === undefined) return { appid, accessToken: null };
  const { cached, fetchedAt, expiresAt, forcedToday, forcedBudget } = state;
  return {
    appid,
    accessToken: {
      cached,
      fetchedAt: fetchedAt === null ? null : iso(fetchedAt),
      expiresAt: expiresAt === null ? null : iso(expiresAt),
      forcedToday,
      forcedBudget,
      shared,
    },
  };
}

/** The admin view of a `refresh_families` row at time `now`. */
export function toAdminSession(row: SessionRow, now: number): AdminSession {
  return {
    id: row.id,
    appid: row.appid,
    generation: row.generation,
    userAgent: row.userAgent,
    ip: row.createdIp,
    createdAt: iso(row.createdAt),
    lastUsedAt: iso(row.lastUsedAt),
    expiresAt: iso(row.expiresAt),
    absoluteExpiresAt: iso(row.absoluteExpiresAt),
    revokedAt: row.revokedAt === null ? null : iso(row.revokedAt),
    revokedReason: row.revokedReason,
    active: row.revokedAt === null && now < row.expiresAt && now < row.absoluteExpiresAt,
  };
}

/** The admin view of an `audit_events` row. */
export function toAdminAuditEvent(row: AuditEventRow): AdminAuditEvent {
  return {
    id: row.id,
    at: iso(row.at),
    actor: row.actor,
    action: row.action,
    appid: row.appid,
    userId: row.userId,
    detail: parseDetail(row.detailJson),
  };
}

function parseDetail(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    return null;
  }
}
