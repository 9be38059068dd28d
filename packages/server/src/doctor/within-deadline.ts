import { describeFailure } from './describe-failure.js';

/**
 * Runs one check with a deadline: its failures stay its own (an unexpected throw becomes `onError`'s result, in
 * words, without a stack) and one that hangs is reported by `onTimeout` after `timeoutMs`, so the other checks still
 * print. The work itself is not cancelled: each check also bounds its own calls.
 */
export async function withinDeadline<T>(
  work: () => Promise<T>,
  timeoutMs: number,
  onTimeout: (seconds: number) => T,
  onError: (reason: string) => T,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout(Math.round(timeoutMs / 100) / 10)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([work().catch((error: unknown) => onError(describeFailure(error))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
