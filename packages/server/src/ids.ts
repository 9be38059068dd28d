import { systemClock, type Clock } from './clock.js';
import { systemRandom, type RandomFill } from './random.js';

/** Makes UUIDv7 strings (RFC 9562): 48-bit epoch ms, then 74 random bits; time-ordered, not enumerable. */
export type IdGenerator = () => string;

/** A UUIDv7 generator over the given clock and randomness. */
export function createIdGenerator(options: { clock?: Clock; random?: RandomFill } = {}): IdGenerator {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  return () => {
    const b = random(new Uint8Array(16));
    const ms = clock();
    // 48-bit big-endian milliseconds; `/ 2 ** 8` etc. because bit operators truncate to 32 bits.
    for (let i = 5; i >= 0; i--) b[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff;
    b[6] = (b[6]! & 0x0f) | 0x70; // version 7
    b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
    const h = Buffer.from(b).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
}

/** Matches a UUID in canonical lowercase form (what {@link createIdGenerator} makes). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
