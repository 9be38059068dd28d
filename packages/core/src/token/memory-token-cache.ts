import { inspect } from 'node:util';
import type { TokenCache } from './token-cache.js';

/** Options of {@link MemoryTokenCache}. */
export interface MemoryTokenCacheOptions {
  /** Wall clock, epoch ms (default `Date.now`); inject one to test expiry without waiting. */
  clock?: () => number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * The in-process {@link TokenCache}: right for one instance; several instances need a shared (Redis) adapter.
 * Expired entries are dropped when read, and swept when the map grows, so it stays small without timers.
 */
export class MemoryTokenCache implements TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: () => number;

  constructor(options: MemoryTokenCacheOptions = {}) {
    this.#clock = options.clock ?? Date.now;
  }

  async get(key: string): Promise<string | null> {
    return this.#live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#sweepIfLarge();
    this.#entries.set(key, { value, expiresAt: this.#clock() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async deleteIfEquals(key: string, expected: string): Promise<boolean> {
    if (this.#live(key)?.value !== expected) return false;
    this.#entries.delete(key);
    return true;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const entry = this.#live(key);
    const count = (entry === undefined ? 0 : Number(entry.value)) + 1;
    if (entry === undefined) await this.set(key, String(count), ttlMs);
    else entry.value = String(count);
    return count;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.expiresAt <= this.#clock()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #sweepIfLarge(): void {
    if (this.#entries.size < 1024) return;
    const now = this.#clock();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }

  // The entries are access tokens: show only how many there are.
  [inspect.custom](): string {
    return `MemoryTokenCache { entries: ${this.#entries.size} }`;
  }
}
