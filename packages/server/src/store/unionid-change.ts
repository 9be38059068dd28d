import type { AuditEventRow } from './port/audit.js';
import type { CompleteLoginInput } from './port/complete-login.js';

/**
 * The audit event of a login whose unionid differs from the stored one, or undefined when there is nothing to
 * record: a first unionid on a row no other row claimed is not a change. `takenFromUserId` names the stale row that
 * held the unionid and gave it up.
 */
export function unionidChangeEvent(
  input: Pick<CompleteLoginInput, 'auditId' | 'appid' | 'now'> & { unionid: string },
  user: { id: string; unionid: string | null },
  takenFromUserId: string | undefined,
): AuditEventRow | undefined {
  if (user.unionid === null && takenFromUserId === undefined) return undefined;
  return {
    id: input.auditId,
    at: input.now,
    actor: 'system',
    action: 'user.unionid_changed',
    appid: input.appid,
    userId: user.id,
    detailJson: JSON.stringify({
      from: user.unionid,
      to: input.unionid,
      ...(takenFromUserId === undefined ? {} : { takenFromUserId }),
    }),
  };
}
