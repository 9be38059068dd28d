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

const always = (): boolean => true;

/**
 * Settles a `wx`-style call: calls the callbacks when any is given (and returns undefined, as `wx` does), otherwise
 * returns a promise (the promisified form of newer base libraries). Callbacks run asynchronously, like `wx`'s.
 *
 * `alive` is asked just before settling: a mini program that was killed meanwhile has no JS left to call back, so
 * neither the callbacks run nor the promise settles.
 */
export function settle<Success>(
  options: WxCallbacks<Success>,
  work: () => Promise<Success>,
  toError: (error: unknown) => WxError,
  alive: () => boolean = always,
): Promise<Success> | undefined {
  const outcome = run(work, toError);
  if (!usesCallbacks(options)) {
    return outcome.then((result) => {
      if (!alive()) return new Promise<Success>(() => undefined);
      if (result.ok) return result.value;
      throw Object.assign(new Error(result.error.errMsg), result.error);
    });
  }
  callBack(options, outcome, alive);
  return undefined;
}

/**
 * Settles a call of an API that has no promise form (WeChat's docs: "以 Promise 风格 调用：不支持", e.g. the privacy
 * APIs): only the callbacks are called, and a call without any does its work and reports nothing.
 */
export function settleByCallbacks<Success>(
  options: WxCallbacks<Success>,
  work: () => Promise<Success>,
  toError: (error: unknown) => WxError,
  alive: () => boolean = always,
): void {
  callBack(options, run(work, toError), alive);
}

type Outcome<Success> = { ok: true; value: Success } | { ok: false; error: WxError };

function run<Success>(work: () => Promise<Success>, toError: (error: unknown) => WxError): Promise<Outcome<Success>> {
  // A synchronous throw inside work must end up in fail, as it would on a device, not escape to the caller.
  return Promise.resolve()
    .then(work)
    .then(
      (value): Outcome<Success> => ({ ok: true, value }),
      (error: unknown): Outcome<Success> => ({ ok: false, error: toError(error) }),
    );
}

function usesCallbacks<Success>(options: WxCallbacks<Success>): boolean {
  return options.success !== undefined || options.fail !== undefined || options.complete !== undefined;
}

function callBack<Success>(
  options: WxCallbacks<Success>,
  outcome: Promise<Outcome<Success>>,
  alive: () => boolean,
): void {
  void outcome.then((result) => {
    if (!alive()) return;
    if (result.ok) options.success?.(result.value);
    else options.fail?.(result.error);
    options.complete?.(result.ok ? result.value : result.error);
  });
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

/** A value's type as WeChat's parameter errors name it ("should be String instead of Undefined"). */
export function typeName(value: unknown): string {
  if (value === null) return 'Null';
  const type = typeof value;
  return type.charAt(0).toUpperCase() + type.slice(1);
}
