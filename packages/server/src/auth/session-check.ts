import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/types.js';

/** The verdict on a session (`sid`) and its user. */
type Verdict = 'ok' | 'ended' | 'disabled';

interface Entry {
  verdict: Verdict;
  userId: string;
  at: number;
}

/**
 * Answers "is this session still alive and its user active?" for verified access tokens, with the database as the
 * truth and a per-instance cache of at most `ttlMs` (so a revocation elsewhere shows within that time; local
 * revocations invalidate at once).
 */
export interface SessionCheck {
  /** Throws `USER_DISABLED` or `UNAUTHORIZED` (session ended, user gone). */
  assertAlive(claims: { sub: string; sid: string; appid: string }): Promise<void>;
  /** Forgets what is cached for a session. */
  forgetSession(sid: string): void;
  /** Forgets what is cached for every session of a user. */
  forgetUser(userId: string): void;
}

/** A session check over the store. */
export function createSessionCheck(options: { store: Store; clock: Clock; ttlMs?: number; maxEntries?: number }): SessionCheck {
  const { store, clock } = options;
  const ttlMs = options.ttlMs ?? 5000;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<Entry>>();

  async function judge(sub: string, sid: string, appid: string): Promise<Entry> {
    const [family, user] = await Promise.all([store.getFamily(sid), store.getUser(sub)]);
    const at = clock();
    let verdict: Verdict = 'ok';
    if (!user) verdict = 'ended';
    else if (user.status === 'disabled') verdict = 'disabled';
    else if (!family || family.revokedAt !== null || family.userId !== sub || family.appid !== appid) verdict = 'ended';
    return { verdict, userId: sub, at };
  }

  return {
    async assertAlive({ sub, sid, appid }) {
      let entry = cache.get(sid);
      if (!entry || entry.userId !== sub || clock() - entry.at > ttlMs) {
        let pending = inFlight.get(sid);
        if (!pending) {
          pending = judge(sub, sid, appid).finally(() => inFlight.delete(sid));
          inFlight.set(sid, pending);
        }
        entry = await pending;
        if (entry.userId === sub) {
          cache.delete(sid); // re-insert at the end: Map order is the eviction order
          cache.set(sid, entry);
          if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
        }
      }
      if (entry.verdict === 'disabled') throw new AppError('USER_DISABLED');
      if (entry.verdict === 'ended') throw new AppError('UNAUTHORIZED', 'The session has ended.');
    },
    forgetSession(sid) {
      cache.delete(sid);
    },
    forgetUser(userId) {
      for (const [sid, entry] of cache) if (entry.userId === userId) cache.delete(sid);
    },
  };
}
