/**
 * Named mutexes within one process: SQLite has no lock a second connection of the same process could wait on
 * without blocking the store's only connection, and a SQLite database is served by one process.
 */
export class InProcessLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier holder of `name` has finished. */
  async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(name, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      // Forget the name once nobody queued behind us, so the map does not grow with every name ever used.
      if (this.#tails.get(name) === tail) this.#tails.delete(name);
    }
  }
}
