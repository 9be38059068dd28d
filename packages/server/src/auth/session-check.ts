import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import { AppError } from '../errors/app-error.js';
import type { Store } from '../store/types.js';

/** The verdict on a session (`sid`) and its user. */
type Verdict = 'ok' | 'ended' | 'disabled';

interface Entry {
  verdict: Verdict;
  sid: string;
  userId: string;
}

interface Judging {
  sid: string;
  userId: string;
  entry: Promise<Entry>;
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

/**
 * A session check over the store. A verdict is trusted for `ttlMs` (default 5 s) of the clock; the cache holds at most
 * `maxEntries` (default 10 000), the least recently used going first.
 */
export function createSessionCheck(options: {
  store: Store;
  clock: Clock;
  ttlMs?: number;
  maxEntries?: number;
}): SessionCheck {
  const { store, clock } = options;
  // Keyed by everything the verdict depends on: a verdict on (sid, sub, appid) must never answer for a token that
  // names the same sid with another user or app, whether cached or still being judged.
  const cache = new LRUCache<string, Entry>({
    max: options.maxEntries ?? 10_000,
    ttl: options.ttlMs ?? 5000,
    // Ages are read from the injected clock (tests move it), on every read: the default resolution would keep one
    // reading for a millisecond, so a clock moved by hand in between would not show.
    perf: { now: clock },
    ttlResolution: 0,
  });
  const inFlight = new Map<string, Judging>();
  // Bumped by every forget: a judgement that began before a revocation may answer its own callers, never be cached.
  let epoch = 0;

  async function judge(sub: string, sid: string, appid: string): Promise<Entry> {
    const [session, user] = await Promise.all([store.getSession(sid), store.getUser(sub)]);
    let verdict: Verdict = 'ok';
    if (!user) verdict = 'ended';
    else if (user.status === 'disabled') verdict = 'disabled';
    else if (!session || session.revokedAt !== null || session.userId !== sub || session.appid !== appid)
      verdict = 'ended';
    return { verdict, sid, userId: sub };
  }

  function start(key: string, sub: string, sid: string, appid: string): Judging {
    const startedAt = epoch;
    const judging: Judging = {
      sid,
      userId: sub,
      entry: judge(sub, sid, appid)
        .then((entry) => {
          if (epoch === startedAt) cache.set(key, entry);
          return entry;
        })
        .finally(() => {
          if (inFlight.get(key) === judging) inFlight.delete(key);
        }),
    };
    inFlight.set(key, judging);
    return judging;
  }

  function forget(matches: (item: { sid: string; userId: string }) => boolean): void {
    epoch += 1;
    // Expired entries are not listed by the cache's iterators; purged first, none of them can outlive a forget.
    cache.purgeStale();
    const dropped: string[] = [];
    for (const [key, entry] of cache.entries()) if (matches(entry)) dropped.push(key);
    for (const key of dropped) cache.delete(key);
    for (const [key, judging] of inFlight) if (matches(judging)) inFlight.delete(key);
  }

  return {
    async assertAlive({ sub, sid, appid }) {
      const key = `${sid}|${sub}|${appid}`;
      const entry = cache.get(key) ?? (await (inFlight.get(key) ?? start(key, sub, sid, appid)).entry);
      if (entry.verdict === 'disabled') throw new AppError('USER_DISABLED');
      if (entry.verdict === 'ended') throw new AppError('UNAUTHORIZED', 'The session has ended.');
    },
    forgetSession(sid) {
      forget((item) => item.sid === sid);
    },
    forgetUser(userId) {
      forget((item) => item.userId === userId);
    },
  };
}
