import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/** `postgres://u:pw@h/db` → `postgres://u:[redacted]@h/db`; other strings unchanged. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*:)[^@/]*@/i, `$1${REDACTED}@`);
}

/**
 * Makes `JSON.stringify(target)` and `util.inspect(target)` (so pino and `console.log`) show `view()` instead of
 * the object itself, so logging a configuration can't print its secrets. The hooks are non-enumerable: spreading or
 * iterating the object is unaffected.
 */
export function withRedactedView<T extends object>(target: T, view: () => unknown): T {
  Object.defineProperty(target, 'toJSON', { value: view, enumerable: false });
  Object.defineProperty(target, inspect.custom, {
    value: (_depth: number, options: object) => inspect(view(), options),
    enumerable: false,
  });
  return target;
}

/** The placeholder shown instead of a secret. */
export const REDACTED_TEXT = REDACTED;
