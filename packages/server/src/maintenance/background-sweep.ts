import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/types.js';

/** How often each instance sweeps: expired login codes, long-dead sessions, old stats. */
export const SWEEP_INTERVAL_MS = 60 * 60_000;

/**
 * Runs `store.sweep` every hour in the background (the same work as `wxlogin gc`), first a few minutes after start
 * so that a fleet restarting together does not sweep at once. Deleting what is already gone is harmless, so
 * several instances need no lock. The timer never keeps the process alive; `stop()` ends it.
 */
export function startBackgroundSweep(options: { store: Store; clock: Clock; logger: Logger; intervalMs?: number }): {
  stop(): void;
  runOnce(): Promise<void>;
} {
  const { store, clock, logger } = options;
  const intervalMs = options.intervalMs ?? SWEEP_INTERVAL_MS;
  let running = false;
  const runOnce = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const counts = await store.sweep(clock());
      logger.debug({ counts }, 'background sweep');
    } catch (error) {
      logger.warn({ err: error }, 'background sweep failed; it runs again at the next interval');
    } finally {
      running = false;
    }
  };
  const tick = (): void => void runOnce();
  const first = setTimeout(tick, Math.min(intervalMs, 60_000 + Math.floor(Math.random() * 240_000)));
  const every = setInterval(tick, intervalMs);
  first.unref();
  every.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(every);
    },
    runOnce,
  };
}
