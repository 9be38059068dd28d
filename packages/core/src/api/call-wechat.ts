import { performance } from 'node:perf_hooks';
import { SYNTHETIC_ERRCODES, classifyErrcode, type WeChatApi } from '../errors/errcode-table.js';
import { WeChatError } from '../errors/wechat-error.js';
import type { CircuitBreaker, CircuitPermit } from '../http/circuit-breaker.js';
import type { ConcurrencyGate } from '../http/concurrency-gate.js';
import { sleep, type Deadline } from '../http/deadline.js';
import { UpstreamFailure, type UpstreamPool, type UpstreamRequest } from '../http/upstream-pool.js';
import type { WeChatCallListener } from './call-event.js';

/** What every API call shares: the pool, the concurrency gate, the listener, the circuit breaker. */
export interface CallContext {
  readonly pool: UpstreamPool;
  readonly gate: ConcurrencyGate;
  readonly onCall: WeChatCallListener | undefined;
  /** `undefined` when the breaker is turned off. */
  readonly breaker: CircuitBreaker | undefined;
}

/** One WeChat API call, as the api/ modules describe it. */
export interface WeChatCall {
  api: WeChatApi;
  appid: string;
  request: Omit<UpstreamRequest, 'deadline'>;
  /** Secret values of this call, removed from any errmsg. */
  secrets: readonly (string | undefined)[];
  /** WeChat sometimes omits `errcode` on success: success is "the expected field is present". */
  isSuccess: (answer: Record<string, unknown>) => boolean;
  /** Reported in the call event (stable_token only). */
  forced?: boolean;
}

// -1 ("system busy") is transient: a few quick, jittered retries, only while the budget lasts.
const MAX_ATTEMPTS = 3;
const BASE_BACKOFF_MS = 50;
// No point starting an attempt that cannot finish inside the budget.
const MIN_ATTEMPT_MS = 100;

type Outcome = { answer: Record<string, unknown>; errcode: number; errmsg: string };

/**
 * Calls WeChat: asks the circuit breaker, takes a concurrency slot, sends, classifies the answer, reports the call
 * event, retries -1 with bounded jittered backoff inside the deadline. Nothing else is retried here. The breaker
 * learns the call's last upstream outcome (so a -1 counts only once its retries are spent).
 * @returns WeChat's successful answer.
 * @throws WeChatError for every failure.
 */
export async function callWeChat(
  context: CallContext,
  call: WeChatCall,
  deadline: Deadline,
): Promise<Record<string, unknown>> {
  const permit = admit(context, call);
  // Local refusals (concurrency cap, no slot in time) throw before an outcome: they say nothing about WeChat.
  let lastErrcode: number | undefined;
  try {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await attemptOnce(context, call, deadline);
      lastErrcode = outcome.errcode;
      if (outcome.errcode === 0) return outcome.answer;
      const backoffMs = BASE_BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      const retry =
        outcome.errcode === -1 && attempt < MAX_ATTEMPTS && deadline.remainingMs() > backoffMs + MIN_ATTEMPT_MS;
      if (!retry) throw failure(call, outcome.errcode, outcome.errmsg);
      try {
        await sleep(backoffMs, deadline.signal);
      } catch {
        throw failure(call, outcome.errcode, outcome.errmsg);
      }
    }
  } finally {
    permit?.settle(
      lastErrcode === undefined ? undefined : classifyErrcode(lastErrcode, call.api).kind === 'unavailable',
    );
  }
}

function admit(context: CallContext, call: WeChatCall): CircuitPermit | undefined {
  if (context.breaker === undefined) return undefined;
  const admission = context.breaker.admit();
  if (admission.admitted) return admission.permit;
  const retryAfterSeconds = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
  throw failure(
    call,
    SYNTHETIC_ERRCODES.CIRCUIT_OPEN,
    `circuit breaker open after repeated failures, next try in ${retryAfterSeconds} s`,
    retryAfterSeconds,
  );
}

async function attemptOnce(context: CallContext, call: WeChatCall, deadline: Deadline): Promise<Outcome> {
  const slot = context.gate.acquire(deadline);
  if (slot === null) {
    const { maxInFlight, maxQueued } = context.gate;
    throw failure(call, SYNTHETIC_ERRCODES.OVERLOADED, `${maxInFlight} calls in flight, ${maxQueued} queued`);
  }
  let release: () => void;
  try {
    release = await slot;
  } catch {
    throw failure(call, SYNTHETIC_ERRCODES.TIMEOUT, 'no free connection slot within the call budget');
  }
  const startedAt = performance.now();
  let outcome: Outcome;
  try {
    const answer = await context.pool.requestJson({ ...call.request, deadline });
    outcome = classifyAnswer(call, answer);
  } catch (error) {
    const upstream =
      error instanceof UpstreamFailure ? error : new UpstreamFailure(SYNTHETIC_ERRCODES.NETWORK, 'network failure');
    outcome = { answer: {}, errcode: upstream.errcode, errmsg: upstream.detail };
  } finally {
    release();
  }
  report(context, call, outcome.errcode, performance.now() - startedAt);
  return outcome;
}

function classifyAnswer(call: WeChatCall, answer: Record<string, unknown>): Outcome {
  const errcode = readErrcode(answer.errcode);
  const errmsg = typeof answer.errmsg === 'string' ? answer.errmsg : '';
  if (errcode === null) return { answer, errcode: SYNTHETIC_ERRCODES.BAD_BODY, errmsg: 'errcode is not a number' };
  if (errcode !== 0) return { answer, errcode, errmsg };
  if (!call.isSuccess(answer)) {
    return { answer, errcode: SYNTHETIC_ERRCODES.BAD_BODY, errmsg: 'success without the expected field' };
  }
  return { answer, errcode: 0, errmsg };
}

function readErrcode(value: unknown): number | null {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,9}$/.test(value)) return Number(value);
  return null;
}

function report(context: CallContext, call: WeChatCall, errcode: number, durationMs: number): void {
  if (context.onCall === undefined) return;
  try {
    const event = { api: call.api, appid: call.appid, errcode, durationMs };
    context.onCall(call.forced === undefined ? event : { ...event, forced: call.forced });
  } catch {
    // A metrics bug must never fail a login.
  }
}

function failure(call: WeChatCall, errcode: number, errmsg: string, retryAfterSeconds?: number): WeChatError {
  return new WeChatError({
    errcode,
    errmsg,
    api: call.api,
    appid: call.appid,
    secrets: call.secrets,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}
