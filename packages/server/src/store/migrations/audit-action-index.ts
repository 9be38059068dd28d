import type { StoreDialectName } from '../port/lifecycle.js';
import { indexMigration, type NamedMigration } from './initial-schema.js';

/**
 * The console filters the audit log by action and counts refresh-reuse alarms over a window: (action, id) serves
 * both, newest first, without scanning the other actions' rows.
 */
export function auditActionIndex(dialect: StoreDialectName): NamedMigration[] {
  return [
    [
      '0018_audit_events_action_idx',
      indexMigration(dialect, 'audit_events_action_idx', 'audit_events', ['action', 'id']),
    ],
  ];
}
