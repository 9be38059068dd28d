// Child processes of the pack smoke: each runs in its own process group, so `npx` and the node it starts are
// stopped together, and every one still running is killed when the smoke ends, however it ends.
import { spawn } from 'node:child_process';

const running = new Set();

/**
 * The environment of a child: npm's own variables of an enclosing `npm run` are dropped, or `npm install` in the
 * fresh project would take the monorepo's workspace and prefix settings for its own.
 */
export function childEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_|^npm_config_(local_prefix|prefix|workspaces?|include_workspace_root)$/i.test(key))
      continue;
    if (key === 'INIT_CWD' || key === 'NODE_PATH') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Starts a command; its output is kept, and echoed when `echo` is set. */
export function start(command, args, { cwd, env = childEnv(), echo = false } = {}) {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  for (const stream of ['stdout', 'stderr']) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk) => {
      output[stream] += chunk;
      if (echo) process[stream].write(chunk);
    });
  }
  const exited = new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  }).finally(() => running.delete(child));
  running.add(child);
  return { child, output, exited };
}

/** Runs a command to its end; rejects with its output on a non-zero exit or after `timeoutMs`. */
export async function run(command, args, { timeoutMs = 120_000, ...options } = {}) {
  const started = Date.now();
  const { child, output, exited } = start(command, args, options);
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  const line = `${command} ${args.join(' ')}`;
  if (result === 'timeout') {
    stopGroup(child, 'SIGKILL');
    throw new Error(`${line}: no exit after ${timeoutMs / 1000} s\n${tail(output)}`);
  }
  if (result.error !== undefined) throw new Error(`${line}: ${result.error.message}`);
  if (result.code !== 0) throw new Error(`${line}: exit ${result.code ?? result.signal}\n${tail(output)}`);
  return { ...output, ms: Date.now() - started };
}

/** Sends a signal to a child's whole process group; a group already gone is no error. */
export function stopGroup(child, signal = 'SIGTERM') {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already exited.
  }
}

/** Kills every child still running: SIGTERM, then SIGKILL to what is left after `graceMs`. */
export async function stopAll(graceMs = 3000) {
  const left = [...running];
  for (const child of left) stopGroup(child, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (running.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const child of running) stopGroup(child, 'SIGKILL');
}

/** The last lines of a command's output, for an error message. */
export function tail({ stdout, stderr }, lines = 30) {
  return `${stdout}\n${stderr}`.trim().split('\n').slice(-lines).join('\n');
}
