/** The success / fail / complete callbacks every async `wx` API takes. */
export interface WxCallbacks<Success> {
  success?: (result: Success) => void;
  fail?: (error: WxError) => void;
  complete?: (result: Success | WxError) => void;
}

/** What `fail` receives: `errMsg` is `<api>:fail <reason>`; some failures carry an `errno`. */
export interface WxError {
  errMsg: string;
  errno?: number;
}

/**
 * Settles a `wx`-style call: calls the callbacks when any is given (and returns undefined, as `wx` does), otherwise
 * returns a promise (the promisified form of newer base libraries). Callbacks run asynchronously, like `wx`'s.
 */
export function settle<Success>(
  options: WxCallbacks<Success>,
  work: () => Promise<Success>,
  toError: (error: unknown) => WxError,
): Promise<Success> | undefined {
  const outcome = work().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: toError(error) }),
  );
  const usesCallbacks = options.success !== undefined || options.fail !== undefined || options.complete !== undefined;
  if (!usesCallbacks) {
    return outcome.then((result) => {
      if (result.ok) return result.value;
      throw Object.assign(new Error(result.error.errMsg), result.error);
    });
  }
  void outcome.then((result) => {
    if (result.ok) options.success?.(result.value);
    else options.fail?.(result.error);
    options.complete?.(result.ok ? result.value : result.error);
  });
  return undefined;
}

/** A failure with a ready `errMsg`. */
export class WxFailure extends Error {
  /** @param errMsg - the full `<api>:fail <reason>` text. @param errno - the numeric error, when `wx` gives one. */
  constructor(
    readonly errMsg: string,
    readonly errno?: number,
  ) {
    super(errMsg);
    this.name = 'WxFailure';
  }
}

/** Maps any error to a `WxError` for `api`. */
export function toWxError(api: string): (error: unknown) => WxError {
  return (error) => {
    if (error instanceof WxFailure) {
      return error.errno === undefined ? { errMsg: error.errMsg } : { errMsg: error.errMsg, errno: error.errno };
    }
    return { errMsg: `${api}:fail ${error instanceof Error ? error.message : String(error)}` };
  };
}
