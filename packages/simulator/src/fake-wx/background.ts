/** Why the lifecycle stops a network task: the app stayed in the background too long, or it was killed. */
export type StopReason = 'interrupted' | 'killed';

/** WeChat fails a request still unfinished this long after the app went to the background (network docs: 5 s). */
export const BACKGROUND_INTERRUPT_MS = 5000;

interface Tracked {
  readonly stop: (why: StopReason) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One launch of the mini program as the network APIs see it: foreground or background, alive or killed. WeChat fails
 * a request with `fail interrupted` once it has run `interruptMs` in the background; a request that started in the
 * background gets its own `interruptMs` from its start. Coming back to the foreground before that saves it.
 *
 * Real timers on purpose: the tests that use this open real sockets, which fake timers cannot drive.
 */
export class AppLifecycle {
  readonly #tasks = new Set<Tracked>();
  #inBackground = false;
  #alive = true;

  /** @param interruptMs - how long a task may run in the background. */
  constructor(private readonly interruptMs: number) {}

  /** True between {@link toBackground} and {@link toForeground}. */
  get inBackground(): boolean {
    return this.#inBackground;
  }

  /** False once {@link kill} ran. */
  get alive(): boolean {
    return this.#alive;
  }

  /** The app went to the background: every running task has `interruptMs` left. A second call changes nothing. */
  toBackground(): void {
    if (!this.#alive || this.#inBackground) return;
    this.#inBackground = true;
    for (const task of this.#tasks) this.#arm(task);
  }

  /** The app is back: no running task is interrupted any more (until the next {@link toBackground}). */
  toForeground(): void {
    if (!this.#inBackground) return;
    this.#inBackground = false;
    for (const task of this.#tasks) {
      clearTimeout(task.timer);
      task.timer = undefined;
    }
  }

  /** The app was killed: every running task stops at once. */
  kill(): void {
    this.#alive = false;
    this.#inBackground = false;
    const tasks = [...this.#tasks];
    this.#tasks.clear();
    for (const task of tasks) {
      clearTimeout(task.timer);
      task.stop('killed');
    }
  }

  /** Watches a task until the returned function is called (when it ends); `stop` is called at most once. */
  track(stop: (why: StopReason) => void): () => void {
    const task: Tracked = { stop, timer: undefined };
    this.#tasks.add(task);
    if (this.#inBackground) this.#arm(task);
    return () => {
      clearTimeout(task.timer);
      this.#tasks.delete(task);
    };
  }

  #arm(task: Tracked): void {
    task.timer = setTimeout(() => {
      this.#tasks.delete(task);
      task.stop('interrupted');
    }, this.interruptMs);
  }
}
