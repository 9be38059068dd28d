// The goals a run is held to. Throughput goals are ratios of median req/s measured in the same run (the shared
// machine's speed cancels out); the CPU-per-request ratio is shown beside each because it does not depend on how the
// two cores were shared between the target, the stub and autocannon.

/** The largest RSS wxlogin may reach under load. */
export const MAX_RSS_BYTES = 150 * 1e6;
/** The longest from `wxlogin serve`'s spawn to its first 200 of `/healthz`. */
export const MAX_READY_MS = 1000;

/**
 * wxlogin's req/s against another target's in one scenario: `[scenario, target, baseline, at least]`.
 * @type {[string, string, string, number][]}
 */
const RATIO_GOALS = [
  ['login', 'wxlogin', 'seed-style', 1.0],
  ['login', 'wxlogin', 'peer', 3],
  ['login', 'wxlogin', 'floor', 0.25],
  ['me', 'wxlogin', 'floor', 0.6],
  ['refresh', 'wxlogin', 'floor', 0.45],
  // Growth: the same service on a database already holding many users and sessions.
  ['login', 'wxlogin-grown', 'wxlogin', 0.85],
  ['me', 'wxlogin-grown', 'wxlogin', 0.85],
];

/**
 * @typedef {object} Check
 * @property {string} name
 * @property {string} goal
 * @property {number | undefined} value undefined when skipped or not measurable
 * @property {string} shown the value as printed
 * @property {boolean | undefined} pass undefined when skipped (a target or scenario not in the run)
 * @property {number} [cpuRatio] the checked target's CPU µs per request over the other's
 * @property {string} [note]
 */

/**
 * Evaluates every goal whose targets were in the run.
 * @param {{ summaries: import('./summary.js').Summary[], targets: { name: string, kind: string, readyMs: number }[], labels: Record<string, string> }} run
 * @returns {Check[]}
 */
export function evaluateChecks({ summaries, targets, labels }) {
  const find = (scenario, target) => summaries.find((s) => s.scenario === scenario && s.target === target);
  /** @type {Check[]} */
  const checks = [];

  for (const [scenario, target, baseline, least] of RATIO_GOALS) {
    const name = `${labels[scenario] ?? scenario}: ${target} / ${baseline}`;
    const goal = `≥ ${least.toFixed(2)}×`;
    const a = find(scenario, target);
    const b = find(scenario, baseline);
    if (a === undefined || b === undefined) {
      const absent = a === undefined ? target : baseline;
      const note = summaries.some((s) => s.scenario === scenario)
        ? `no ${absent} in this run`
        : `no ${labels[scenario] ?? scenario} in this run`;
      checks.push({ name, goal, value: undefined, shown: '-', pass: undefined, note });
      continue;
    }
    if (a.invalid || b.invalid) {
      checks.push({ name, goal, value: undefined, shown: 'invalid', pass: false, note: 'more than 1% errors' });
      continue;
    }
    const value = a.reqPerSec / b.reqPerSec;
    checks.push({
      name,
      goal,
      value,
      shown: `${value.toFixed(2)}×`,
      pass: value >= least,
      cpuRatio: a.cpuUsPerReq / b.cpuUsPerReq,
    });
  }

  // Every wxlogin target counts (whatever its database): the goal is the service's, not one configuration's.
  const wxloginLoads = summaries.filter((s) => targets.some((t) => t.name === s.target && t.kind === 'wxlogin'));
  if (wxloginLoads.length > 0) {
    const peak = wxloginLoads.reduce((a, b) => (b.maxRssBytes > a.maxRssBytes ? b : a));
    checks.push({
      name: 'max RSS of wxlogin under load',
      goal: `≤ ${MAX_RSS_BYTES / 1e6} MB`,
      value: peak.maxRssBytes,
      shown: `${(peak.maxRssBytes / 1e6).toFixed(1)} MB`,
      pass: peak.maxRssBytes <= MAX_RSS_BYTES,
      note: `${peak.target}, ${labels[peak.scenario] ?? peak.scenario}`,
    });
  }

  const wxlogin = targets.find((t) => t.name === 'wxlogin');
  if (wxlogin === undefined) {
    checks.push({
      name: 'spawn → first 200 of /healthz: wxlogin',
      goal: `≤ ${MAX_READY_MS} ms`,
      value: undefined,
      shown: '-',
      pass: undefined,
      note: 'no wxlogin in this run',
    });
  } else {
    checks.push({
      name: 'spawn → first 200 of /healthz: wxlogin',
      goal: `≤ ${MAX_READY_MS} ms`,
      value: wxlogin.readyMs,
      shown: `${Math.round(wxlogin.readyMs)} ms`,
      pass: wxlogin.readyMs <= MAX_READY_MS,
    });
  }
  return checks;
}
