import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, for spawning the committed bin shims. */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** A spawned process whose output is collected as it arrives. */
export interface SpawnedProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects after `timeoutMs` or if the process exits. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends SIGTERM and resolves with the exit code (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Spawns `node <args>` from the repository root with `env` added to a minimal environment. */
export function spawnNode(args: string[], env: Record<string, string> = {}): SpawnedProcess {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  let text = '';
  let exited = false;
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => ((exited = true), resolve(code))));
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));

  return {
    child,
    output: () => text,
    waitFor(pattern, timeoutMs = 20_000) {
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const tick = (): void => {
          const match = text.match(pattern);
          if (match) resolve(match);
          else if (exited) reject(new Error(`process exited before ${pattern}:\n${text}`));
          else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${pattern}:\n${text}`));
          else setTimeout(tick, 50);
        };
        tick();
      });
    },
    async stop(timeoutMs = 10_000) {
      if (exited) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
}
