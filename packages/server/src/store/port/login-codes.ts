/** `login_codes.state`. */
export type LoginCodeState = 'pending' | 'done' | 'failed';

/** A row of `login_codes`: the idempotency memo of one `wx.login()` code. */
export interface LoginCodeRow {
  /** SHA-256 (hex) of `appid|code`: the code itself is never stored. */
  codeHash: string;
  appid: string;
  state: LoginCodeState;
  userId: string | null;
  /** The session the login made (column `family_id`). */
  sessionId: string | null;
  /** SHA-256 (hex) of the `loginNonce` the first request carried, or null. */
  nonceHash: string | null;
  /** For `failed`: the serialised error to replay, as JSON text (opaque to the store). */
  failureJson: string | null;
  createdAt: number;
  /**
   * When the request now holding the row claimed it: `createdAt` for the first claim, later for a request that took
   * over a row left `pending` by a dead one. It also fences the finishing writes: only the holder of this claim may
   * complete, fail or free the row. Null on rows written before the column existed (then `createdAt` counts).
   */
  claimedAt: number | null;
  expiresAt: number;
}

/** What `takeOverLoginCode` needs. */
export interface TakeOverLoginCodeInput {
  codeHash: string;
  /** Only a `pending` row claimed before this instant (its holder is presumed dead) is taken. */
  staleBefore: number;
  /** The new claim (the taker's clock); it fences the taker's finishing writes. */
  claimedAt: number;
  /** SHA-256 of the taker's `loginNonce`, or null: replays must now match the taker's request. */
  nonceHash: string | null;
}

/**
 * The login memo: one row per `wx.login()` code, so a retried or duplicated login replays the first one's outcome
 * instead of calling WeChat twice. `completeLogin` marks a row `done`.
 */
export interface LoginCodeStore {
  /**
   * Inserts a `pending` row if none exists for `codeHash`, claimed at `createdAt`. True when this caller inserted it
   * (and so calls WeChat).
   */
  claimLoginCode(
    row: Pick<LoginCodeRow, 'codeHash' | 'appid' | 'nonceHash' | 'createdAt' | 'expiresAt'>,
  ): Promise<boolean>;
  /**
   * Takes over a `pending` row whose claim is older than `staleBefore` (its request died between claiming and
   * finishing): one compare-and-set statement, so of concurrent takers exactly one gets true and calls WeChat.
   */
  takeOverLoginCode(input: TakeOverLoginCodeInput): Promise<boolean>;
  /** The row of `codeHash`, or undefined. */
  getLoginCode(codeHash: string): Promise<LoginCodeRow | undefined>;
  /**
   * Marks the row `failed` with a serialised error to replay. With `claimedAt`, only a `pending` row still held under
   * that claim is changed.
   */
  failLoginCode(codeHash: string, error: string, claimedAt?: number): Promise<void>;
  /**
   * Removes a `pending` row (after a transient WeChat failure, so the same code may be tried again). With
   * `claimedAt`, only while the row is still held under that claim.
   */
  deleteLoginCode(codeHash: string, claimedAt?: number): Promise<void>;
}
