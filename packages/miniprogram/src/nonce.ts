import { globalWx, type Platform } from './platform.js';

const NONCE_BYTES = 16;

/**
 * A fresh login nonce: 16 random bytes as hex. The service replays a used code only to a request carrying the same
 * nonce, so a code seen by someone else is worth nothing without it. From `wx.getRandomValues` (a CSPRNG) where the
 * base library has it; older ones (< 2.15.0) and platforms without it fall back to `Math.random`, which still keeps
 * nonces distinct but is not a secret against a determined attacker. Taro and uni-app on WeChat may not expose it
 * themselves: the global `wx` underneath does.
 */
export function makeNonce(platform: Platform): Promise<string> {
  const fallback = (): string => {
    let hex = '';
    for (let i = 0; i < NONCE_BYTES; i++) hex += byteHex(Math.floor(Math.random() * 256));
    return hex;
  };
  const source = typeof platform.getRandomValues === 'function' ? platform : globalWx();
  const getRandomValues = source?.getRandomValues;
  if (source === undefined || typeof getRandomValues !== 'function') return Promise.resolve(fallback());
  return new Promise((resolve) => {
    try {
      getRandomValues.call(source, {
        length: NONCE_BYTES,
        success: ({ randomValues }) => {
          const bytes = new Uint8Array(randomValues);
          let hex = '';
          for (let i = 0; i < bytes.length; i++) hex += byteHex(bytes[i] as number);
          resolve(bytes.length === NONCE_BYTES ? hex : fallback());
        },
        fail: () => resolve(fallback()),
      });
    } catch {
      resolve(fallback());
    }
  });
}

function byteHex(byte: number): string {
  return (byte < 16 ? '0' : '') + byte.toString(16);
}
