import { systemClock, type Clock } from './clock.js';
import { systemRandom, type RandomFill } from './random.js';

/** The two lowercase hex digits of each byte value, as character codes. */
const HEX = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const digits = i.toString(16).padStart(2, '0');
  HEX[2 * i] = digits.charCodeAt(0);
  HEX[2 * i + 1] = digits.charCodeAt(1);
}
const DASH = 0x2d;
/** Where each of the 16 bytes goes in the 36 characters of a UUID. */
const OFFSETS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/**
 * Makes UUIDv7 strings (RFC 9562): 48-bit epoch ms, a 12-bit counter, then 62 random bits; time-ordered (also
 * within one millisecond, so audit events list in the order they happened), not enumerable.
 */
export type IdGenerator = () => string;

/** A UUIDv7 generator over the given clock and randomness (RFC 9562 §6.2, method 1: a counter in `rand_a`). */
export function createIdGenerator(options: { clock?: Clock; random?: RandomFill } = {}): IdGenerator {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  // Scratch arrays reused for every id, so an id costs one string: a login makes three.
  const scratch = new Uint8Array(16);
  const text = Buffer.alloc(36, DASH);
  let lastMs = -1;
  let counter = 0;
  return () => {
    const b = random(scratch);
    let ms = clock();
    if (ms > lastMs) {
      // A new millisecond: the counter starts at a random value in the lower half, leaving room to count up.
      counter = ((b[6]! & 0x07) << 8) | b[7]!;
      lastMs = ms;
    } else {
      // Same millisecond (or the clock went back): count up; on overflow borrow the next millisecond.
      counter += 1;
      if (counter > 0xfff) {
        counter = 0;
        lastMs += 1;
      }
      ms = lastMs;
    }
    // 48-bit big-endian milliseconds; `/ 2 ** 8` etc. because bit operators truncate to 32 bits.
    for (let i = 5; i >= 0; i--) b[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff;
    b[6] = 0x70 | (counter >> 8); // version 7, counter high bits
    b[7] = counter & 0xff;
    b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
    for (let i = 0; i < 16; i++) {
      text[OFFSETS[i]!] = HEX[2 * b[i]!]!;
      text[OFFSETS[i]! + 1] = HEX[2 * b[i]! + 1]!;
    }
    return text.toString('latin1');
  };
}

/** Matches a UUID in canonical lowercase form (what {@link createIdGenerator} makes). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
