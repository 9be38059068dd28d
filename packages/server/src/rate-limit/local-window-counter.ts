import { LRUCache } from 'lru-cache';
import type { CounterHit } from './counter-hit.js';

interface Window {
  count: number;
  startedAt: number;
}

/**
 * Fixed-window hit counters in this process, at most `maxKeys` of them (the least recently hit go first, so a flood
 * of addresses cannot grow memory without end).
 */
export class LocalWindowCounter {
  readonly #windows: LRUCache<string, Window>;

  constructor(maxKeys: number) {
    this.#windows = new LRUCache<string, Window>({ max: maxKeys });
  }

  /** Counts one hit on `key`; a window opens with the first hit and lasts `windowMs`. */
  hit(key: string, windowMs: number): CounterHit {
    // The wall clock, not the service's injected one: a limit is about real request rates.
    const now = Date.now();
    const open = this.#windows.get(key);
    if (open === undefined || open.startedAt + windowMs <= now) {
      this.#windows.set(key, { count: 1, startedAt: now });
      return { current: 1, ttl: windowMs };
    }
    open.count += 1;
    return { current: open.count, ttl: windowMs - (now - open.startedAt) };
  }
}
