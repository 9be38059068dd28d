/**
 * Where access tokens (and the bookkeeping around refreshing them) are shared. One implementation per backend, all
 * with the same five operations so each maps onto one Redis command or script:
 *
 * | method | Redis |
 * |---|---|
 * | `get` | `GET key` |
 * | `set` | `SET key value PX ttlMs` |
 * | `setIfAbsent` | `SET key value NX PX ttlMs` (the lock, and the "forced within 30 s" marker) |
 * | `deleteIfEquals` | Lua: `if GET key == expected then DEL key` (drop a rejected token, free a lock) |
 * | `increment` | Lua: `INCR key`, and `PEXPIRE key ttlMs` when the result is 1 (the daily forced-refresh counter) |
 *
 * Keys are short and built by the client (`token:<appid>`, `lock:<appid>`, …); an adapter may prefix them. Values
 * are secrets (access tokens): an adapter must never log them. Methods may reject (Redis down): the client then
 * falls back to a per-process cache and normal-mode fetches, and suspends forced refreshes.
 */
export interface TokenCache {
  /** The value, or `null` when absent or expired. */
  get(key: string): Promise<string | null>;
  /** Stores the value for `ttlMs` milliseconds, replacing any other. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Stores the value for `ttlMs` only if the key is absent. @returns true when stored. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes the key only if it holds `expected`. @returns true when deleted. */
  deleteIfEquals(key: string, expected: string): Promise<boolean>;
  /** Adds one to a counter (absent = 0), giving a new counter a lifetime of `ttlMs`. @returns the new count. */
  increment(key: string, ttlMs: number): Promise<number>;
}
