import { isIP } from 'node:net';

/** Fastify's `trustProxy`: off, every hop, a hop count, or the addresses/CIDRs to trust. */
export type TrustProxy = boolean | number | readonly string[];

/** Parses `off` | `true` | a hop count | comma-separated IPs/CIDRs. */
export function parseTrustProxy(value: string, name: string, problems: string[]): TrustProxy {
  const text = value.trim().toLowerCase();
  if (text === '' || text === 'off' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === 'on') return true;
  if (/^\d+$/.test(text)) return Number(text);
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const item of items) {
    const [addr, bits, extra] = item.split('/');
    const ipVersion = isIP(addr ?? '');
    const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (ipVersion === 6 ? 128 : 32));
    if (ipVersion === 0 || !bitsOk || extra !== undefined) {
      problems.push(`${name}: "${item}" is not an IP address or CIDR (expected off, true, a hop count, or IPs/CIDRs)`);
    }
  }
  return items;
}
