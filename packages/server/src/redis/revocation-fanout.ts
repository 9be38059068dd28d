import type { SessionCheck } from '../auth/session-check.js';
import type { RevocationBus } from './revocation-bus.js';

/**
 * The session check of a cluster: whatever this instance forgets (logout, reuse, disable, deletion, admin revoke —
 * every caller of `forgetSession` / `forgetUser`) is also published on the revocation bus, and what any instance
 * publishes is forgotten here at once, so a revoked session stops working everywhere without waiting out the 5 s
 * cache. Best effort: the revocation itself is already in the database, and a lost message only means the cache
 * entry lives out its seconds. @returns the check and the function that unsubscribes it.
 */
export function fanOutRevocations(
  sessions: SessionCheck,
  bus: RevocationBus,
): { sessions: SessionCheck; stop: () => void } {
  const stop = bus.subscribe((event) => {
    if (event.type === 'sid') sessions.forgetSession(event.id);
    else sessions.forgetUser(event.id);
  });
  const publish = (type: 'sid' | 'user', id: string): void => {
    // Never rejects for Redis; a malformed id (a programming error) must not break the revocation that called us.
    bus.publish({ type, id }).catch(() => undefined);
  };
  return {
    sessions: {
      ...sessions,
      forgetSession(sid) {
        sessions.forgetSession(sid);
        publish('sid', sid);
      },
      forgetUser(userId) {
        sessions.forgetUser(userId);
        publish('user', userId);
      },
    },
    stop,
  };
}
