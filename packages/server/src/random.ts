import { randomFillSync } from 'node:crypto';

/**
 * Fills `bytes` with random bytes and answers it, like `crypto.randomFillSync`. Injected so tests can make ids
 * reproducible; production always uses the CSPRNG.
 */
export type RandomFill = (bytes: Uint8Array) => Uint8Array;

/** The CSPRNG. */
export const systemRandom: RandomFill = (bytes) => randomFillSync(bytes);
