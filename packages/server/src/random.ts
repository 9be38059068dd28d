import { randomFillSync } from 'node:crypto';

/**
 * Fills `bytes` with random bytes and answers it, like `crypto.randomFillSync`. Injected so tests can make ids
 * reproducible; production always uses the CSPRNG.
 */
export type RandomFill = (bytes: Uint8Array) => Uint8Array;

// A login takes a few small random values (ids, an IV): drawing them from one 4 KiB fill turns dozens of CSPRNG
// calls into one, as Node's own randomUUID does. Each pooled byte is handed out once.
const POOL_BYTES = 4096;
const POOLED_MAX = 64;
let pool = Buffer.alloc(0);
let offset = 0;

/** The CSPRNG (small requests served from a pool refilled 4 KiB at a time). */
export const systemRandom: RandomFill = (bytes) => {
  if (bytes.length > POOLED_MAX) return randomFillSync(bytes);
  if (offset + bytes.length > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    offset = 0;
  }
  bytes.set(pool.subarray(offset, offset + bytes.length));
  offset += bytes.length;
  return bytes;
};
