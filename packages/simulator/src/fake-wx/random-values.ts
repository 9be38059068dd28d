import { randomFillSync } from 'node:crypto';
import { typeName, WxFailure } from './callbacks.js';

/** What `wx.getRandomValues` succeeds with. */
export interface WxRandomValuesSuccess {
  /** Exactly `length` cryptographically random bytes, in a buffer of their own. */
  randomValues: ArrayBuffer;
  errMsg: 'getRandomValues:ok';
}

/** The most bytes one `wx.getRandomValues` call may ask for (WeChat's docs: 1048576). */
export const MAX_RANDOM_VALUES_LENGTH = 1_048_576;

/** `wx.getRandomValues` (base library 2.15.0): `length` bytes from the OS CSPRNG. */
export async function randomValues(length: unknown): Promise<WxRandomValuesSuccess> {
  if (typeof length !== 'number') {
    throw new WxFailure(
      `getRandomValues:fail parameter error: parameter.length should be Number instead of ${typeName(length)};`,
    );
  }
  if (!Number.isInteger(length) || length < 1 || length > MAX_RANDOM_VALUES_LENGTH) {
    throw new WxFailure(`getRandomValues:fail invalid length: an integer from 1 to ${MAX_RANDOM_VALUES_LENGTH}`);
  }
  const bytes = randomFillSync(new Uint8Array(length));
  return { randomValues: bytes.buffer, errMsg: 'getRandomValues:ok' };
}
