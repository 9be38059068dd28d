import { ERROR_CATALOGUE } from '@wxlogin/server';
import { describe, expect, it } from 'vitest';
import type { SdkErrorCode } from '../src/errors.js';
import { ERROR_MESSAGES, errorMessage } from '../src/messages.js';

const SDK_CODES: SdkErrorCode[] = [
  'NETWORK_ERROR',
  'WX_LOGIN_FAILED',
  'PHONE_DENIED',
  'PHONE_QUOTA_EXCEEDED',
  'HTTP_ERROR',
];

describe('errorMessage: zh-CN and en for every code', () => {
  const codes = [...Object.keys(ERROR_CATALOGUE), ...SDK_CODES].sort();

  it('both tables hold exactly the service catalogue and the SDK codes', () => {
    expect(Object.keys(ERROR_MESSAGES['zh-CN']).sort()).toEqual(codes);
    expect(Object.keys(ERROR_MESSAGES.en).sort()).toEqual(codes);
  });

  it.each(codes)('%s has a message in each language, Chinese by default', (code) => {
    expect(errorMessage(code)).toMatch(/[\u4e00-\u9fff]/);
    expect(errorMessage(code, 'zh-CN')).toBe(errorMessage(code));
    expect(errorMessage(code, 'en')).toMatch(/^[\x20-\x7e]+$/);
  });

  it('a code from a newer service gets the generic message', () => {
    expect(errorMessage('SOMETHING_NEW')).toBe(errorMessage('HTTP_ERROR'));
    expect(errorMessage('SOMETHING_NEW', 'en')).toBe(errorMessage('HTTP_ERROR', 'en'));
    expect(errorMessage('toString')).toBe(errorMessage('HTTP_ERROR'));
  });
});
