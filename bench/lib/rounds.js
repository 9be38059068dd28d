// One scenario across several targets: a discarded warm-up of each, then interleaved rounds (round 1 = A B C D,
// round 2 = A B C D, …), so a slow minute of the shared machine lands on every target alike instead of on one.
// Each round records what the client saw (autocannon) and what the server spent (/proc, database counters).
import { counterDelta } from './bench-databases.js';
import { runLoad, summarise } from './load.js';
import { cpuMicros, sampleMaxRss } from './proc-stats.js';

/** A round whose failed requests exceed this share does not measure the happy path: the run fails. */
export const MAX_ERROR_RATE = 0.01;
/** Added to a round's duration for autocannon's hard cap (connections closing, the last tick). */
const CAP_SLACK_S = 15;
const RSS_SAMPLE_MS = 200;
/**
 * How long after its round a target's CPU time is read: the requests still in flight when autocannon stopped are
 * finished by then, and the garbage the round left is mostly collected, both costs of the round. The target is idle
 * meanwhile, and the next target is already being loaded, so the wait costs no time.
 */
const DRAIN_MS = 1000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * @typedef {object} Round
 * @property {string} target
 * @property {string} scenario
 * @property {number} round 1-based; 0 for the warm-up
 * @property {number} durationS
 * @property {number} requests answered requests (any status)
 * @property {number} sent requests sent: the answered ones and those in flight at the end, which the server still
 *   works on; the server-side figures are per sent request
 * @property {number} reqPerSec answered requests per second
 * @property {{ mean: number, p50: number, p90: number, p99: number, max: number }} latencyMs of the 2xx answers
 * @property {number} non2xx
 * @property {number} errors socket errors and timeouts (autocannon counts a timeout as both)
 * @property {number} timeouts
 * @property {Record<string, number>} statusCodes
 * @property {number} errorRate (non-2xx + errors) / attempts
 * @property {boolean} invalid more than {@link MAX_ERROR_RATE} failed, or nothing was answered
 * @property {number} cpuUsPerReq the target's CPU time (user + system, all threads) per sent request, read
 *   {@link DRAIN_MS} after the round
 * @property {number} stubCpuUsPerReq the stub WeChat's, per sent request (read at once: it serves the next target)
 * @property {number} stubCallsPerReq jscode2session calls the stub answered, per sent request (1 for a login)
 * @property {number} benchCpuUsPerReq the bench process's own (autocannon), per sent request
 * @property {number} maxRssBytes the target's largest RSS sample during the round
 * @property {Record<string, number>} [counters] database counter deltas over the round
 * @property {Record<string, number>} [countersPerReq] the same per sent request
 */

/**
 * Loads one target for `seconds`. Resolves when the load ends with the round's record and `closing`, which settles
 * once the server-side figures (CPU, database counters) are filled in; until then, nothing else may load the target.
 * @param {{ target: import('./targets.js').Target, scenario: string, round: number, requests: object[], seconds: number, connections: number, stub: { pid: number, calls: () => Promise<number> } }} options
 * @returns {Promise<{ record: Round, closing: Promise<void> }>}
 */
export async function measureRound({ target, scenario, round, requests, seconds, connections, stub }) {
  const database = target.database;
  const countersBefore = database === undefined ? undefined : await database.counters();
  const stubCallsBefore = await stub.calls();
  const cpuBefore = cpuMicros(target.pid);
  const stubCpuBefore = cpuMicros(stub.pid);
  const benchCpuBefore = process.cpuUsage();
  const rss = sampleMaxRss(target.pid, RSS_SAMPLE_MS);
  let result;
  let maxRssBytes;
  try {
    result = await runLoad({ url: target.url, connections, duration: seconds, requests }, seconds + CAP_SLACK_S);
  } finally {
    maxRssBytes = rss.stop();
  }
  const ended = performance.now();
  const stubCpuUs = cpuMicros(stub.pid) - stubCpuBefore;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const stubCalls = (await stub.calls()) - stubCallsBefore;
  const s = summarise(scenario, result);
  const sent = Math.max(s.requests, result.requests.sent ?? 0);
  const attempts = s.requests + s.errors;
  const failed = s.non2xx + s.errors;
  const errorRate = attempts === 0 ? 1 : failed / attempts;
  const per = (value) => (sent === 0 ? Number.NaN : value / sent);
  /** @type {Round} */
  const record = {
    target: target.name,
    scenario,
    round,
    durationS: s.durationS,
    requests: s.requests,
    sent,
    reqPerSec: s.durationS > 0 ? s.requests / s.durationS : 0,
    latencyMs: s.latencyMs,
    non2xx: s.non2xx,
    errors: s.errors,
    timeouts: s.timeouts,
    statusCodes: s.statusCodes,
    errorRate,
    invalid: s.requests === 0 || errorRate > MAX_ERROR_RATE,
    cpuUsPerReq: Number.NaN,
    stubCpuUsPerReq: per(stubCpuUs),
    stubCallsPerReq: per(stubCalls),
    benchCpuUsPerReq: per(benchCpu.user + benchCpu.system),
    maxRssBytes,
  };
  const closing = (async () => {
    await sleep(ended + DRAIN_MS - performance.now());
    if (!target.process.running()) {
      throw new Error(
        `${target.name} exited during ${scenario}\n${target.name} log (tail):\n${target.process.logTail()}`,
      );
    }
    record.cpuUsPerReq = per(cpuMicros(target.pid) - cpuBefore);
    if (database !== undefined && countersBefore !== undefined) {
      await sleep(ended + database.settleMs - performance.now());
      record.counters = counterDelta(countersBefore, await database.counters());
      record.countersPerReq = Object.fromEntries(
        Object.entries(record.counters).map(([key, value]) => [key, per(value)]),
      );
    }
  })();
  // Awaited later (before the target's next round, at the end); until then a failure must not count as an
  // unhandled rejection, which would end the process before the clean-up.
  closing.catch(() => {});
  return { record, closing };
}

/**
 * @typedef {object} ScenarioRun
 * @property {string} scenario
 * @property {Round[]} warmups discarded from the figures, kept in the record
 * @property {Record<string, Round[]>} rounds by target name, in round order
 * @property {Record<string, number>} [refreshPoolExhausted] refresh only: how often each target's pool ran dry
 */

/**
 * Runs one scenario: warm-up of every target, then `rounds` interleaved rounds. `onRound` sees each round (0: the
 * warm-up) once its server-side figures are in.
 * @param {{ scenario: string, entries: { target: import('./targets.js').Target, requests: object[] }[], rounds: number, seconds: number, warmupSeconds: number, connections: number, stub: { pid: number, calls: () => Promise<number> }, onRound?: (round: number, records: Round[]) => void, signal?: AbortSignal }} options
 *   `signal` stops the run between two loads (the load in progress is stopped by load.js's `stopCurrentLoad`)
 * @returns {Promise<ScenarioRun>}
 */
export async function runScenario({
  scenario,
  entries,
  rounds,
  seconds,
  warmupSeconds,
  connections,
  stub,
  onRound,
  signal,
}) {
  const common = { scenario, connections, stub };
  /** The pending server-side reads of each target's last load. */
  const closings = new Map(entries.map(({ target }) => [target.name, Promise.resolve()]));
  /** Progress lines, in round order. */
  let reported = Promise.resolve();
  const pending = [];

  /**
   * @param {number} round
   * @param {number} roundSeconds
   */
  const pass = async (round, roundSeconds) => {
    const records = [];
    const own = [];
    for (const { target, requests } of entries) {
      signal?.throwIfAborted();
      await closings.get(target.name);
      const { record, closing } = await measureRound({ ...common, target, requests, round, seconds: roundSeconds });
      closings.set(target.name, closing);
      records.push(record);
      own.push(closing);
    }
    const all = Promise.all(own);
    all.catch(() => {});
    pending.push(all);
    reported = reported.then(() => all).then(() => onRound?.(round, records));
    reported.catch(() => {});
    return records;
  };

  const warmups = warmupSeconds > 0 ? await pass(0, warmupSeconds) : [];
  /** @type {Record<string, Round[]>} */
  const byTarget = Object.fromEntries(entries.map(({ target }) => [target.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const record of await pass(round, seconds)) byTarget[record.target].push(record);
  }
  await Promise.all(pending);
  await reported;
  return { scenario, warmups, rounds: byTarget };
}
