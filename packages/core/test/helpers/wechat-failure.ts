import { expect } from 'vitest';
import { WeChatError } from '@wxlogin/core';

/** Awaits a call that must fail, asserts it failed with a {@link WeChatError}, and answers that error. */
export async function failure(promise: Promise<unknown>): Promise<WeChatError> {
  const error = await promise.then(
    () => new Error('expected a WeChatError'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WeChatError);
  return error as WeChatError;
}
