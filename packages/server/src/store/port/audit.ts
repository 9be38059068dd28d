import type { Page } from './page.js';

/** A row of `audit_events`. */
export interface AuditEventRow {
  id: string;
  at: number;
  /** `user:<id>`, `admin`, `system`. */
  actor: string;
  /** e.g. `refresh.reuse_detected`, `user.unionid_changed`, `user.deleted`. */
  action: string;
  appid: string | null;
  userId: string | null;
  /** JSON text. Never holds a secret. */
  detailJson: string | null;
}

/** The audit log. Other aggregates insert their own events inside their transactions. */
export interface AuditStore {
  /** Appends one event. */
  insertAudit(event: AuditEventRow): Promise<void>;
  /**
   * How many `action` events (of `userId`, when given) happened at or after `since`, and when the earliest of them
   * did (null when none): per-user limits counted in the database hold across instances, and the console's alarms.
   */
  countAuditEvents(query: {
    userId?: string;
    action: string;
    since: number;
  }): Promise<{ count: number; firstAt: number | null }>;
  /** Audit log, newest first, paged by id, optionally of one user and of one action. `limit` is clamped to 1..100. */
  listAudit(query: { cursor?: string; limit: number; userId?: string; action?: string }): Promise<Page<AuditEventRow>>;
}
