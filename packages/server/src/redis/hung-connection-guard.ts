import type { Redis } from 'ioredis';

/** Consecutive command timeouts on a "ready" connection after which it is dropped and dialled again. */
export const HUNG_AFTER_TIMEOUTS = 3;

const consecutiveTimeouts = new WeakMap<Redis, number>();

/**
 * Call with each command's outcome (no error = success). A connection whose commands keep timing out is probably
 * dead without knowing it (a failed-over primary whose address now drops packets): TCP would notice only after
 * minutes, and meanwhile every command would cost the whole command timeout. After {@link HUNG_AFTER_TIMEOUTS} in a
 * row it is reconnected, so commands fail fast again (no connection) until a new one is ready.
 */
export function noteCommandOutcome(client: Redis, error?: unknown): void {
  if (error === undefined || !isCommandTimeout(error)) {
    if (error === undefined) consecutiveTimeouts.delete(client);
    return;
  }
  const count = (consecutiveTimeouts.get(client) ?? 0) + 1;
  if (count < HUNG_AFTER_TIMEOUTS || client.status !== 'ready') {
    consecutiveTimeouts.set(client, count);
    return;
  }
  consecutiveTimeouts.delete(client);
  // Reported like any connection error (logged once per outage by the client's watcher).
  client.emit('error', new Error(`${HUNG_AFTER_TIMEOUTS} commands in a row timed out; reconnecting`));
  client.disconnect(true);
}

function isCommandTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}
