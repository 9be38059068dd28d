import { inspect } from 'node:util';
import { REDACTED } from '../errors/redact.js';

/**
 * Makes a result safe to log by accident: `JSON.stringify` and `util.inspect` show `[redacted]` for the named
 * fields, while the fields stay ordinary properties for the code that needs them. The hooks are non-enumerable,
 * so spreading or comparing the result sees plain data.
 */
export function hideSecretFields<T extends object>(result: T, fields: readonly (keyof T & string)[]): T {
  const shown = (): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...(result as Record<string, unknown>) };
    for (const field of fields) if (field in copy) copy[field] = REDACTED;
    return copy;
  };
  Object.defineProperty(result, 'toJSON', { value: shown, enumerable: false });
  Object.defineProperty(result, inspect.custom, { value: () => shown(), enumerable: false });
  return result;
}
