import { Pool } from 'undici';
import { SYNTHETIC_ERRCODES } from '../errors/errcode-table.js';
import type { Deadline } from './deadline.js';

/** Socket-level timeouts of the pool (each also bounded by the whole-call budget). */
export interface UpstreamTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

/** One HTTP request to WeChat. */
export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** API path, e.g. `/sns/jscode2session`. */
  path: string;
  /** Query parameters (may hold secrets: they never leave this module except on the wire). */
  query?: Record<string, string>;
  /** JSON body for POST. */
  body?: Record<string, unknown>;
  /** The whole call's budget: the request is aborted when it is spent. */
  deadline: Deadline;
}

/**
 * A request that got no usable answer. Carries a synthetic errcode and a description built from error codes only,
 * never from the URL or an underlying message (which could quote the URL and its `secret=`).
 */
export class UpstreamFailure extends Error {
  constructor(
    readonly errcode: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

// WeChat's answers are a few hundred bytes; anything this large is not WeChat.
const MAX_BODY_BYTES = 1024 * 1024;
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

// Shared by every request (undici only reads them).
const GET_HEADERS = Object.freeze({ accept: 'application/json' });
const POST_HEADERS = Object.freeze({ accept: 'application/json', 'content-type': 'application/json' });

/**
 * The keep-alive connection pool to WeChat's origin (one per client, i.e. per origin) and the one place that turns
 * an HTTP exchange into a JSON object or an {@link UpstreamFailure}.
 */
export class UpstreamPool {
  readonly #pool: Pool;
  readonly #prefix: string;

  constructor(baseUrl: string, timeouts: UpstreamTimeouts, connections: number) {
    const url = new URL(baseUrl);
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#pool = new Pool(url.origin, {
      connections,
      pipelining: 1,
      connectTimeout: timeouts.connectMs,
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.bodyMs,
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
    });
  }

  /**
   * Sends the request and parses the answer.
   * @returns the JSON object WeChat answered with (errcode not yet checked).
   * @throws UpstreamFailure on timeout, network failure, non-2xx status, or a body that is not a JSON object.
   */
  async requestJson(request: UpstreamRequest): Promise<Record<string, unknown>> {
    const query = request.query === undefined ? '' : `?${new URLSearchParams(request.query).toString()}`;
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await this.#pool.request({
        method: request.method,
        path: `${this.#prefix}${request.path}${query}`,
        headers: request.body === undefined ? GET_HEADERS : POST_HEADERS,
        body: request.body === undefined ? null : JSON.stringify(request.body),
        signal: request.deadline.emitter,
      });
    } catch (error) {
      throw describeFailure(error, request.deadline, 'request');
    }
    const { statusCode, body } = response;
    // Destroying a body emits an abort error: it is expected here, not an uncaught exception.
    body.on('error', () => undefined);
    if (statusCode < 200 || statusCode > 299) {
      body.destroy();
      throw new UpstreamFailure(SYNTHETIC_ERRCODES.HTTP_STATUS, `HTTP status ${statusCode}`);
    }
    let text: string;
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of body) {
        const bytes = chunk as Buffer;
        size += bytes.length;
        if (size > MAX_BODY_BYTES) {
          body.destroy();
          throw new UpstreamFailure(SYNTHETIC_ERRCODES.BAD_BODY, `body larger than ${MAX_BODY_BYTES} bytes`);
        }
        chunks.push(bytes);
      }
      text = Buffer.concat(chunks).toString('utf8');
    } catch (error) {
      if (error instanceof UpstreamFailure) throw error;
      throw describeFailure(error, request.deadline, 'body');
    }
    return parseJsonObject(text);
  }

  /** Closes idle connections and waits for in-flight requests. */
  async close(): Promise<void> {
    await this.#pool.close();
  }
}

function parseJsonObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const looksHtml = /^\s*</.test(text);
    throw new UpstreamFailure(SYNTHETIC_ERRCODES.BAD_BODY, looksHtml ? 'HTML instead of JSON' : 'body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UpstreamFailure(SYNTHETIC_ERRCODES.BAD_BODY, 'body is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) return code;
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^[A-Za-z]{1,40}$/.test(name) ? name : 'unknown error';
}

function describeFailure(error: unknown, deadline: Deadline, stage: 'request' | 'body'): UpstreamFailure {
  if (deadline.expired) return new UpstreamFailure(SYNTHETIC_ERRCODES.TIMEOUT, 'no answer within the call budget');
  const code = errorCode(error);
  if (TIMEOUT_CODES.has(code)) return new UpstreamFailure(SYNTHETIC_ERRCODES.TIMEOUT, `timeout (${code})`);
  // A body cut short (connection closed mid-answer, length mismatch) is a truncated body.
  const errcode = stage === 'body' ? SYNTHETIC_ERRCODES.BAD_BODY : SYNTHETIC_ERRCODES.NETWORK;
  return new UpstreamFailure(errcode, `${stage === 'body' ? 'truncated body' : 'network failure'} (${code})`);
}
