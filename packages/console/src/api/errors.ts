/** Why a call to the admin API failed; pages pick their message from the class. */
export class ApiError extends Error {
  /** HTTP status of the answer. */
  readonly status: number;
  /** The API's UPPER_SNAKE error code (`BAD_RESPONSE` when the body was not the error envelope). */
  readonly code: string;

  /** `message` is the API's own message (shown to the operator as is). */
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The admin token was refused (401): the console drops it and asks for it again. */
export class UnauthorizedError extends ApiError {
  /** `message` is the API's own message. */
  constructor(message: string) {
    super(401, 'UNAUTHORIZED', message);
    this.name = 'UnauthorizedError';
  }
}

/** No answer at all (connection refused, DNS, timeout): worth a retry, unlike an {@link ApiError}. */
export class NetworkError extends Error {
  /** True when the console gave up waiting rather than the connection failing. */
  readonly timedOut: boolean;

  /** `cause` is what `fetch` threw. */
  constructor(timedOut: boolean, cause?: unknown) {
    super(timedOut ? 'request timed out' : 'network error', { cause });
    this.name = 'NetworkError';
    this.timedOut = timedOut;
  }
}
