import { once } from 'node:events';
import { spawnNode } from './spawn-process.js';

/** The committed bin shim, relative to the repository root (it runs the built `dist/`). */
export const WXLOGIN_BIN = 'packages/server/bin/wxlogin.js';

/** A running `wxlogin serve` process. */
export interface ServeProcess {
  /** `http://127.0.0.1:PORT`, read from its "listening at" log line. */
  url: string;
  /** Milliseconds from the spawn to that log line: how long a restart keeps clients waiting. */
  startMs: number;
  /** The process id, for signals other than those below (SIGSTOP freezes it with its sockets open). */
  pid: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /**
   * Sends SIGKILL at once (synchronously, so a caller can kill at an exact point of its own event loop) and
   * resolves when the process is gone. The process gets no chance to answer, flush or roll back anything.
   */
  kill(): Promise<void>;
  /** Graceful stop (SIGTERM); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Spawns `wxlogin serve` with `env` (plus `WXLOGIN_HOST=127.0.0.1` and `WXLOGIN_PORT=0` unless given) and resolves
 * once it listens. A process that fails to start is stopped, and the error carries its output.
 */
export async function startServe(env: Record<string, string>, timeoutMs = 20_000): Promise<ServeProcess> {
  const started = performance.now();
  const proc = spawnNode([WXLOGIN_BIN, 'serve'], { WXLOGIN_HOST: '127.0.0.1', WXLOGIN_PORT: '0', ...env });
  // Registered before any signal, so an exit is never missed.
  const exited = once(proc.child, 'exit').then(
    () => undefined,
    () => undefined,
  );
  let url: string;
  try {
    const match = await proc.waitFor(/listening at (http:\/\/127\.0\.0\.1:\d+)/, timeoutMs);
    url = match[1]!;
  } catch (error) {
    await proc.stop();
    throw error;
  }
  const startMs = Math.round(performance.now() - started);
  return {
    url,
    startMs,
    pid: proc.child.pid!,
    output: proc.output,
    kill() {
      proc.child.kill('SIGKILL');
      return exited;
    },
    stop: () => proc.stop(),
  };
}
