const BASE64_PATTERN = /^[A-Za-z0-9+/_-]+={0,2}$/;
const GENERATE_HINT = 'generate one with `openssl rand -base64 32`';

/**
 * Decodes the master key (32 bytes, base64 or base64url) and refuses a short or obviously weak one. Problems never
 * quote the key.
 */
export function parseMasterKey(value: string, name: string, problems: string[]): Buffer | undefined {
  const text = value.trim();
  if (!BASE64_PATTERN.test(text)) {
    problems.push(`${name}: not base64; ${GENERATE_HINT}`);
    return undefined;
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) {
    problems.push(`${name}: must decode to 32 bytes, got ${key.length}; ${GENERATE_HINT}`);
    return undefined;
  }
  // 32 random bytes nearly always have ~30 distinct values; fewer than 16 means a pattern.
  if (new Set(key).size < 16) {
    problems.push(`${name}: looks weak (repeated bytes); ${GENERATE_HINT}`);
    return undefined;
  }
  // All-printable bytes happen by chance with probability (95/256)^32 ≈ 1e-14: this is a typed phrase, base64'd.
  if (key.every((b) => b >= 0x20 && b <= 0x7e)) {
    problems.push(`${name}: looks weak (encoded text, not random bytes); ${GENERATE_HINT}`);
    return undefined;
  }
  return key;
}
