// Random strings for identifiers, drawn from one large CSPRNG fill: a million users take several million small
// values, and one `randomFillSync` call per value would cost more than the rest of a row.
import { createHash, randomFillSync } from 'node:crypto';

const POOL_BYTES = 1 << 20;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `n` random bytes. The view is only valid until the next call (the pool is refilled in place), so callers encode
 * it at once.
 * @param {number} n at most 1 MiB
 * @returns {Buffer}
 */
export function randomView(n) {
  if (offset + n > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    offset = 0;
  }
  const view = pool.subarray(offset, offset + n);
  offset += n;
  return view;
}

/**
 * `chars` random base64url characters (`chars` a multiple of 4 gives whole bytes; others are cut).
 * @param {number} chars
 */
export function randomBase64url(chars) {
  return randomView(Math.ceil((chars * 3) / 4))
    .toString('base64url')
    .slice(0, chars);
}

/**
 * A stable base64url prefix derived from `label`: WeChat's openids of one mini program share their first characters,
 * and so do the unionids of one open-platform account.
 * @param {string} label
 * @param {number} chars
 */
export function stablePrefix(label, chars) {
  return createHash('sha256').update(label).digest('base64url').slice(0, chars);
}

// base64url's 64 characters in byte order, so that digits written in it compare like the numbers they encode.
const SORTED_DIGITS = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

/**
 * `value` as `width` base64url characters whose byte order (SQLite's BINARY, PostgreSQL's "C", MySQL's ascii_bin)
 * is the numeric order.
 * @param {number} value an integer in [0, 64 ** width)
 * @param {number} width
 */
export function sortableDigits(value, width) {
  let text = '';
  for (let i = 0; i < width; i++) {
    text = SORTED_DIGITS[value % 64] + text;
    value = Math.floor(value / 64);
  }
  return text;
}

/**
 * An integer in [0, n).
 * @param {number} n
 */
export function randomInt(n) {
  return Math.floor(Math.random() * n);
}

/**
 * One of `items`, uniformly.
 * @template T
 * @param {readonly T[]} items
 * @returns {T}
 */
export function pick(items) {
  return items[randomInt(items.length)];
}
