// The main thread's side of the row worker: its batches as an async iterator, with the flow control.
import { Worker } from 'node:worker_threads';

/** Batches the worker may have made ahead of the database. */
const CREDIT = 16;
// A larger young generation than the default: the worker allocates millions of short-lived strings and cipher
// objects, and scavenging a small nursery that often costs as much as making them.
const YOUNG_GENERATION_MB = 64;

/**
 * A batch of rows `from` to `to - 1` of one phase, values flat in the column order of `columns.js`.
 * @typedef {{ phase: 'users', from: number, to: number, userValues: unknown[], wechatValues: unknown[] }
 *   | { phase: 'sessions', from: number, to: number, sessionValues: unknown[] }} RowBatch
 */

/**
 * Starts the row worker. Iterate `batches` to the end, or call `close` to stop it early.
 * @param {Omit<import('./row-worker.js').RowWorkerData, 'credit'>} options
 * @returns {{ batches: AsyncIterable<RowBatch>, close: () => Promise<void> }}
 */
export function startRowSource(options) {
  const worker = new Worker(new URL('./row-worker.js', import.meta.url), {
    workerData: { ...options, credit: CREDIT },
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  /** @type {RowBatch[]} */
  const queue = [];
  /** @type {Error | undefined} */
  let failure;
  let exited = false;
  /** @type {(() => void) | undefined} */
  let wake;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (batch) => {
    queue.push(batch);
    notify();
  });
  worker.on('error', (error) => {
    failure = error;
    notify();
  });
  worker.on('exit', (code) => {
    exited = true;
    if (code !== 0 && failure === undefined) failure = new Error(`the row worker exited with code ${code}`);
    notify();
  });

  async function* batches() {
    for (;;) {
      while (queue.length === 0) {
        if (failure !== undefined) throw failure;
        if (exited) throw new Error('the row worker ended before its last batch');
        await new Promise((resolve) => (wake = resolve));
      }
      const batch = /** @type {RowBatch} */ (queue.shift());
      if (batch.phase === 'done') return;
      worker.postMessage({ credit: 1 });
      yield batch;
    }
  }

  return {
    batches: batches(),
    close: async () => {
      if (!exited) await worker.terminate();
    },
  };
}
