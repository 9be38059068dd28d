import { randomBytes } from 'node:crypto';

/**
 * A request id shaped like WeChat's (`<8 hex>-<8 hex>-<8 hex>`, the first part the epoch seconds in hex), so clients
 * that parse rids meet the dashes real ones contain.
 */
export function makeRid(nowMs: number): string {
  const seconds = Math.max(0, Math.floor(nowMs / 1000)) % 0x1_0000_0000;
  const random = randomBytes(8).toString('hex');
  return `${seconds.toString(16).padStart(8, '0')}-${random.slice(0, 8)}-${random.slice(8)}`;
}
