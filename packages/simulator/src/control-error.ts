/** A rejected control call (bad input, unknown app or user); `status` is the HTTP status the control API answers. */
export class ControlError extends Error {
  /** @param status - 400 for bad input, 404 for an unknown app or user. @param message - says what was wrong. */
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** `value` as a non-empty string, or a 400 naming `name`. */
export function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new ControlError(400, `${name} must be a non-empty string`);
  return value;
}

/** `value` as a non-empty string when present, or a 400 naming `name`. */
export function optionalText(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : requireText(value, name);
}
