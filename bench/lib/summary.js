// From a scenario's rounds to one line per target: medians, not means, so one round disturbed by the shared machine
// moves the figure little.

/**
 * @param {number[]} values
 * @returns {number}
 */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * @typedef {object} Summary
 * @property {string} target
 * @property {string} scenario
 * @property {number} rounds
 * @property {number} reqPerSec median over the rounds
 * @property {number} cpuUsPerReq median over the rounds
 * @property {number} p50Ms of the median round (by req/s)
 * @property {number} p99Ms of the median round
 * @property {number} maxRssBytes over all rounds
 * @property {number} requests over all rounds
 * @property {number} failed non-2xx + socket errors over all rounds
 * @property {number} worstErrorRate the largest of any round
 * @property {boolean} invalid some round failed more than the allowed share
 * @property {Record<string, number>} [countersPerReq] database counters over all rounds / requests sent in them
 */

/**
 * @param {string} target
 * @param {string} scenario
 * @param {import('./rounds.js').Round[]} rounds
 * @returns {Summary}
 */
export function summariseRounds(target, scenario, rounds) {
  const byRate = rounds.slice().sort((a, b) => a.reqPerSec - b.reqPerSec);
  // The lower middle when the count is even: a real round, so its latencies belong together.
  const middle = byRate[Math.floor((byRate.length - 1) / 2)];
  const requests = rounds.reduce((sum, r) => sum + r.requests, 0);
  /** @type {Summary} */
  const summary = {
    target,
    scenario,
    rounds: rounds.length,
    reqPerSec: median(rounds.map((r) => r.reqPerSec)),
    cpuUsPerReq: median(rounds.map((r) => r.cpuUsPerReq)),
    p50Ms: middle?.latencyMs.p50 ?? Number.NaN,
    p99Ms: middle?.latencyMs.p99 ?? Number.NaN,
    maxRssBytes: Math.max(0, ...rounds.map((r) => r.maxRssBytes)),
    requests,
    failed: rounds.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
    worstErrorRate: Math.max(0, ...rounds.map((r) => r.errorRate)),
    invalid: rounds.length === 0 || rounds.some((r) => r.invalid),
  };
  const withCounters = rounds.filter((r) => r.counters !== undefined);
  if (withCounters.length > 0) {
    const countedRequests = withCounters.reduce((sum, r) => sum + r.sent, 0);
    /** @type {Record<string, number>} */
    const totals = {};
    for (const r of withCounters) {
      for (const [key, value] of Object.entries(r.counters ?? {})) totals[key] = (totals[key] ?? 0) + value;
    }
    summary.countersPerReq = Object.fromEntries(
      Object.entries(totals).map(([key, value]) => [key, value / Math.max(1, countedRequests)]),
    );
  }
  return summary;
}

/**
 * Every target × scenario of a run.
 * @param {import('./rounds.js').ScenarioRun[]} runs
 * @returns {Summary[]}
 */
export function summariseRun(runs) {
  return runs.flatMap((run) =>
    Object.entries(run.rounds).map(([target, rounds]) => summariseRounds(target, run.scenario, rounds)),
  );
}
