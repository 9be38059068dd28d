// The command line of bench/run.js: its usage text and the options it parses into, checked before anything starts.
import { parseArgs } from 'node:util';
import { SCENARIOS, TARGET_SCENARIOS } from './targets.js';

const DEFAULTS = { rounds: 5, seconds: 4, warmup: 2, connections: 50, growthRows: 1_000_000 };
const QUICK = { rounds: 3, seconds: 2, warmup: 1 };

/** A command line that cannot run: the message says why; the caller prints it with the usage and exits 2. */
export class UsageError extends Error {}

/** The usage text, every option and environment variable. */
export function usage() {
  return [
    'usage: node bench/run.js [options]        (build first: npx tsc -b)',
    '',
    '  --quick               3 rounds × 2 s, 1 s warm-up (default 5 × 4 s, 2 s warm-up); same targets and checks',
    '  --rounds N            interleaved rounds per scenario',
    '  --seconds S           length of one round of one target',
    '  --warmup S            discarded warm-up per target per scenario (0: none)',
    `  --connections N       autocannon connections (default ${DEFAULTS.connections})`,
    `  --only LIST           scenarios, comma-separated: ${SCENARIOS.join(', ')} (default all)`,
    `  --targets LIST        targets, comma-separated: ${Object.keys(TARGET_SCENARIOS).join(', ')}`,
    '                        (default all; wxlogin-pg / wxlogin-mariadb need their URL below)',
    '  --no-growth           skip the growth target (wxlogin-grown, a database pre-filled in bulk)',
    `  --growth-rows N       users and sessions in the growth database (default ${DEFAULTS.growthRows.toLocaleString('en-US')})`,
    '  --no-check            print the checks without failing on them (errors above 1% still fail the run)',
    '  --timeout S           watchdog for the whole run (default: the larger of 600 s and twice the planned time)',
    '  --baselines-dir DIR   where <name>/server.js of the baselines are (default bench/baselines)',
    '  -h, --help            this text',
    '',
    'environment:',
    '  WXLOGIN_BENCH_PG_URL     e.g. postgres://postgres@127.0.0.1:5432/test: adds wxlogin-pg on a database of its own',
    '  WXLOGIN_BENCH_MYSQL_URL  e.g. mysql://root@127.0.0.1:3306/test: adds wxlogin-mariadb on a database of its own',
    '',
    'Exit code: 0 all good; 1 a check failed, a round had more than 1% failed requests, or the run broke; 2 bad usage.',
  ].join('\n');
}

/**
 * @typedef {object} RunOptions
 * @property {boolean} help
 * @property {boolean} quick
 * @property {number} rounds
 * @property {number} seconds
 * @property {number} warmupSeconds
 * @property {number} connections
 * @property {boolean} growth
 * @property {number} growthRows
 * @property {boolean} check
 * @property {string[]} scenarios
 * @property {string[] | undefined} targets the ones asked for; undefined: every one the environment allows
 * @property {number | undefined} timeoutS undefined: the caller works it out from the plan
 * @property {string | undefined} baselinesDir
 * @property {string | undefined} pgUrl
 * @property {string | undefined} mysqlUrl
 */

/**
 * Parses the command line; throws {@link UsageError} when it cannot run.
 * @param {string[]} args without node and the script
 * @param {Readonly<Record<string, string | undefined>>} env
 * @returns {RunOptions}
 */
export function parseRunOptions(args, env) {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        quick: { type: 'boolean' },
        rounds: { type: 'string' },
        seconds: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        only: { type: 'string' },
        targets: { type: 'string' },
        // Node 20's parseArgs has no negated booleans: the `no-` forms are options of their own.
        'no-growth': { type: 'boolean' },
        'growth-rows': { type: 'string' },
        'no-check': { type: 'boolean' },
        timeout: { type: 'string' },
        'baselines-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }

  /**
   * @param {string} name
   * @param {number | undefined} fallback
   * @param {number} least
   */
  const integer = (name, fallback, least) => {
    const text = values[name];
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text) || Number(text) < least) {
      throw new UsageError(`--${name} must be an integer ≥ ${least}, got ${text}`);
    }
    return Number(text);
  };
  /**
   * @param {string} name
   * @param {string[]} known
   */
  const list = (name, known) => {
    const text = values[name];
    if (text === undefined) return undefined;
    const items = text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    const unknown = items.filter((item) => !known.includes(item));
    if (unknown.length > 0)
      throw new UsageError(`--${name}: unknown ${unknown.join(', ')} (known: ${known.join(', ')})`);
    return items;
  };

  const mode = values.quick ? QUICK : DEFAULTS;
  const targets = list('targets', Object.keys(TARGET_SCENARIOS));
  const pgUrl = env.WXLOGIN_BENCH_PG_URL || undefined;
  const mysqlUrl = env.WXLOGIN_BENCH_MYSQL_URL || undefined;
  const growth = values['no-growth'] !== true;
  if (targets?.includes('wxlogin-pg') && pgUrl === undefined) {
    throw new UsageError('wxlogin-pg needs WXLOGIN_BENCH_PG_URL');
  }
  if (targets?.includes('wxlogin-mariadb') && mysqlUrl === undefined) {
    throw new UsageError('wxlogin-mariadb needs WXLOGIN_BENCH_MYSQL_URL');
  }
  if (targets?.includes('wxlogin-grown') && !growth) throw new UsageError('--no-growth with wxlogin-grown');
  return {
    help: values.help === true,
    quick: values.quick === true,
    rounds: /** @type {number} */ (integer('rounds', mode.rounds, 1)),
    seconds: /** @type {number} */ (integer('seconds', mode.seconds, 1)),
    warmupSeconds: /** @type {number} */ (integer('warmup', mode.warmup, 0)),
    connections: /** @type {number} */ (integer('connections', DEFAULTS.connections, 1)),
    growth,
    growthRows: /** @type {number} */ (integer('growth-rows', DEFAULTS.growthRows, 1)),
    check: values['no-check'] !== true,
    scenarios: list('only', SCENARIOS) ?? SCENARIOS,
    targets,
    timeoutS: integer('timeout', undefined, 10),
    baselinesDir: values['baselines-dir'],
    pgUrl,
    mysqlUrl,
  };
}
