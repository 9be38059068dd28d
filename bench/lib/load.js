// autocannon runs with a hard time cap, and one handle on the run in progress so Ctrl-C can stop it.
import autocannon from 'autocannon';

/** @type {{ stop: () => void } | undefined} */
let current;

/** Stops the autocannon run in progress, if any (used on SIGINT/SIGTERM). */
export function stopCurrentLoad() {
  current?.stop();
}

/**
 * Runs autocannon and resolves with its result. `maxSeconds` stops runs bounded by `amount` (which autocannon lets
 * run forever if the service stalls).
 * @param {Record<string, unknown>} options autocannon options (the package ships no types)
 * @param {number} maxSeconds
 * @returns {Promise<any>} autocannon's result object
 */
export async function runLoad(options, maxSeconds) {
  const instance = autocannon({
    ...options,
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
  });
  current = instance;
  const cap = setTimeout(() => instance.stop(), maxSeconds * 1000);
  try {
    return await instance;
  } finally {
    clearTimeout(cap);
    current = undefined;
  }
}

/**
 * The figures the report needs from an autocannon result.
 * @param {string} name
 * @param {any} result autocannon's result object
 */
export function summarise(name, result) {
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]),
  );
  return {
    scenario: name,
    reqPerSecMean: result.requests.average,
    reqPerSecStddev: result.requests.stddev,
    requests: result.requests.total,
    durationS: result.duration,
    latencyMs: {
      mean: result.latency.average,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
}
