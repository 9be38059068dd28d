import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

/**
 * prom-client's default process metrics (CPU, memory, event-loop lag, GC…) in one registry per process, merged
 * into every app's registry: they describe the process, not an app, and each collection installs process-wide
 * observers (GC, event-loop delay) that are never removed, so one set per `createApp` would leak.
 */
export function processMetricsRegistry(): Registry {
  if (shared === undefined) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
