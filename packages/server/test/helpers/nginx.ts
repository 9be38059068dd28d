import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './spawn-process.js';
import { freePort } from './free-port.js';
import { declareAvailability } from './unavailable.js';

/** The shipped production configuration, relative to the repository root. */
export const SHIPPED_NGINX_CONF = 'deploy/nginx.conf';

/** Debian's nginx (what `.ci/run` installs). */
const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'];

/** The nginx binary the suite runs, or why it can't. */
export interface NginxTarget {
  bin: string | undefined;
  /** Set when nginx is missing: the suite is skipped, or, when `fail` (CI), it fails. */
  unavailable?: { reason: string; fail: boolean };
}

/** The first executable nginx of {@link NGINX_CANDIDATES}; under `CI=true` a missing one is a failure, not a skip. */
export function nginxTarget(): NginxTarget {
  for (const candidate of NGINX_CANDIDATES) {
    try {
      accessSync(candidate, constants.X_OK);
      return { bin: candidate };
    } catch {
      // Try the next place.
    }
  }
  const ci = process.env['CI'] === 'true';
  const reason = `nginx is not installed (looked in ${NGINX_CANDIDATES.join(', ')}; Debian: apt-get install nginx)`;
  return { bin: undefined, unavailable: { reason: ci ? `${reason}, and CI=true requires it` : reason, fail: ci } };
}

/**
 * Call at the top of a `describe` body, like `databaseAvailable`: when nginx is missing it declares one test that
 * says so (skipped, or failing under CI) and answers false.
 */
export function nginxAvailable(target: NginxTarget, tag: string): target is NginxTarget & { bin: string } {
  return declareAvailability(tag, 'nginx', target.unavailable);
}

/** Where {@link renderNginxConfForLoopback} points the shipped file. */
export interface LoopbackNginxOptions {
  /** The port nginx listens on, on 127.0.0.1. */
  listenPort: number;
  /** The instances' ports on 127.0.0.1, in the order of the upstream's `server` lines. */
  upstreamPorts: readonly number[];
  /** The directory that takes the pid file, the logs and the temp files. */
  dir: string;
  /** The user the workers run as: only meaningful when the test runs as root. */
  user: string;
}

/** Replaces exactly one match of `pattern` in `text`; throws when the shipped file no longer has that shape. */
function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`)) ?? [];
  if (matches.length !== 1) {
    throw new Error(`${SHIPPED_NGINX_CONF}: expected one ${what}, found ${matches.length}`);
  }
  return text.replace(pattern, replacement);
}

/**
 * The shipped `deploy/nginx.conf` made to run as the test's own process: its upstream `server` lines become the
 * loopback instances (their parameters kept), `listen 8080` becomes `127.0.0.1:<listenPort>`, and the user, pid file,
 * logs and temp paths move into `dir`. Everything else is the shipped file as it is.
 */
export function renderNginxConfForLoopback(shipped: string, options: LoopbackNginxOptions): string {
  const { dir, listenPort, upstreamPorts, user } = options;
  const serverLine = /^(\s*)server wxlogin-\d+:3000( [^;]*)?;\n/gm;
  const servers = [...shipped.matchAll(serverLine)];
  if (servers.length === 0) throw new Error(`${SHIPPED_NGINX_CONF}: no upstream "server wxlogin-N:3000" lines`);
  const [indent, parameters] = [servers[0]![1] ?? '', servers[0]![2] ?? ''];
  const loopbackServers = upstreamPorts.map((port) => `${indent}server 127.0.0.1:${port}${parameters};\n`).join('');
  let text = shipped.replace(serverLine, (_line, _indent, _params, offset: number) =>
    offset === servers[0]!.index ? loopbackServers : '',
  );
  text = replaceOnce(text, /^user [^;]+;$/m, `user ${user};`, '"user" directive');
  text = replaceOnce(text, /^pid [^;]+;$/m, `pid ${join(dir, 'nginx.pid')};`, '"pid" directive');
  text = replaceOnce(text, /^error_log [^;]+;$/m, `error_log ${join(dir, 'error.log')} notice;`, '"error_log"');
  text = replaceOnce(
    text,
    /^(\s*)access_log \/var\/log\/nginx\/access\.log (\w+);$/m,
    `$1access_log ${join(dir, 'access.log')} $2;`,
    'access_log to /var/log/nginx/access.log',
  );
  text = replaceOnce(text, /^(\s*)listen 8080;$/m, `$1listen 127.0.0.1:${listenPort};`, '"listen 8080"');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `    ${kind}_temp_path ${join(dir, `${kind}-temp`)};\n`)
    .join('');
  return replaceOnce(text, /^http \{\n/m, `http {\n${temp}`, '"http {" block');
}

/** One line of the shipped `wxlogin` access log format. */
export interface AccessLogLine {
  method: string;
  path: string;
  status: number;
  /** Every instance the request was tried on, in order (`127.0.0.1:PORT`); empty when none was (nginx answered). */
  upstreams: string[];
  /** The status each of those instances answered (`502` for a connection that failed). */
  upstreamStatuses: string[];
}

const ACCESS_LINE =
  /^\S+ \[[^\]]+\] "(\S+) (\S+) [^"]+" (\d+) \d+ \S+ upstream=(.*) upstream_status=(.*) upstream_time=/;

/** Parses the access log; lines of another shape are skipped. */
export function parseAccessLog(text: string): AccessLogLine[] {
  const lines: AccessLogLine[] = [];
  for (const line of text.split('\n')) {
    const match = ACCESS_LINE.exec(line);
    if (match === null) continue;
    // nginx separates tries with ", " and upstream groups with " : "; "-" when no instance was tried.
    const list = (value: string): string[] => (value === '-' ? [] : value.split(/, | : /));
    lines.push({
      method: match[1]!,
      path: match[2]!,
      status: Number(match[3]),
      upstreams: list(match[4]!),
      upstreamStatuses: list(match[5]!),
    });
  }
  return lines;
}

/** nginx running the rendered shipped configuration, as the test's own process. */
export interface RunningNginx {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The rendered configuration file. */
  confPath: string;
  /** What `nginx -t` printed for the rendered file. */
  configTestOutput: string;
  /** The access log so far, parsed. */
  accessLog(): Promise<AccessLogLine[]>;
  /** nginx's error log so far. */
  errorLog(): Promise<string>;
  /** Stops nginx (fast shutdown, SIGKILL after 5 s) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

const execFileAsync = promisify(execFile);

/** Resolves once `port` accepts a TCP connection, for at most `timeoutMs`. */
async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode} before listening`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen on ${port} within ${timeoutMs} ms`);
}

/**
 * Renders the shipped configuration for `upstreamPorts`, checks it with `nginx -t` (throwing with its output when
 * refused), and starts nginx on a free loopback port in the foreground (`daemon off`), as a child of the test.
 */
export async function startNginx(bin: string, upstreamPorts: readonly number[]): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'wxlogin-nginx-'));
  const listenPort = await freePort();
  const shipped = await readFile(join(repoRoot, SHIPPED_NGINX_CONF), 'utf8');
  const user = process.getuid?.() === 0 ? 'root' : (process.env['USER'] ?? 'nobody');
  const confPath = join(dir, 'nginx.conf');
  await writeFile(confPath, renderNginxConfForLoopback(shipped, { listenPort, upstreamPorts, dir, user }));
  // -p: relative paths (mime types and the like) resolve in the temp dir; -e: the log nginx opens before the config.
  const args = ['-p', dir, '-e', join(dir, 'error.log'), '-c', confPath];
  let configTestOutput: string;
  try {
    const { stdout, stderr } = await execFileAsync(bin, [...args, '-t'], { timeout: 10_000 });
    configTestOutput = `${stdout}${stderr}`;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(
      `nginx -t refused the rendered ${SHIPPED_NGINX_CONF}:\n${output.stdout ?? ''}${output.stderr ?? ''}`,
    );
  }

  const child = spawn(bin, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(
    () => undefined,
    () => undefined,
  );
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(listenPort, child, 10_000);
  } catch (error) {
    const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output}${log}`);
  }
  const readLog = (name: string): Promise<string> => readFile(join(dir, name), 'utf8').catch(() => '');
  return {
    url: `http://127.0.0.1:${listenPort}`,
    confPath,
    configTestOutput,
    accessLog: async () => parseAccessLog(await readLog('access.log')),
    errorLog: () => readLog('error.log'),
    stop,
  };
}
