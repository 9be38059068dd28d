import { Agent, request } from 'node:http';

/** Longest the test waits for one answer: nothing a client sends may hang a suite. */
const ANSWER_TIMEOUT_MS = 10_000;

/** One HTTP answer, its body parsed as JSON when it is JSON. */
export interface LoopbackAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** The `Retry-After` header in seconds, when there was one. */
  retryAfterSeconds?: number;
}

/** A request of {@link sendFrom}. */
export interface LoopbackRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  bearer?: string;
  headers?: Record<string, string>;
  /**
   * The source address, anywhere in 127.0.0.0/8 (all of it is loopback on Linux): nginx then sees a client of that
   * address, so the per-IP limit and each session's IP can be told apart without leaving the machine.
   */
  from?: string;
}

/** The request never got a whole answer (refused, reset, timed out). */
export class NoLoopbackAnswer extends Error {
  /** @param cause - what the socket or the parser threw. */
  constructor(cause: unknown) {
    super(`no answer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'NoLoopbackAnswer';
  }
}

// One keep-alive pool; Node keys its connections by host, port and local address, so each source address keeps its own.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** Sends `req` to `url` from `req.from` (default 127.0.0.1) and answers whatever came back. */
export function sendFrom(url: string, req: LoopbackRequest = {}): Promise<LoopbackAnswer> {
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const headers: Record<string, string> = {
    ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    ...(req.bearer === undefined ? {} : { authorization: `Bearer ${req.bearer}` }),
    ...req.headers,
  };
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: req.method ?? (payload === undefined ? 'GET' : 'POST'),
        headers,
        agent,
        localAddress: req.from ?? '127.0.0.1',
        timeout: ANSWER_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(new NoLoopbackAnswer(error)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (String(res.headers['content-type'] ?? '').includes('json') && text !== '') {
            try {
              body = JSON.parse(text) as unknown;
            } catch {
              // A broken JSON answer stays text, for the test to show.
            }
          }
          const retryAfter = res.headers['retry-after'];
          const answer: LoopbackAnswer = { status: res.statusCode ?? 0, body, headers: res.headers };
          resolve(typeof retryAfter === 'string' ? { ...answer, retryAfterSeconds: Number(retryAfter) } : answer);
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)));
    outgoing.on('error', (error) => reject(new NoLoopbackAnswer(error)));
    outgoing.end(payload);
  });
}

/** The `code` of an error envelope, or undefined when the body is not one. */
export function envelopeCode(answer: LoopbackAnswer): string | undefined {
  const error = (answer.body as { error?: { code?: unknown } } | undefined)?.error;
  return typeof error?.code === 'string' ? error.code : undefined;
}

/** `200`, or the status and the error code: what a test compares without printing a body that holds tokens. */
export function outcomeOf(answer: LoopbackAnswer): string {
  return answer.status < 300 ? String(answer.status) : `${answer.status} ${envelopeCode(answer) ?? '(no envelope)'}`;
}

/** Closes the pooled keep-alive connections (call in `afterAll`, so no socket outlives the file). */
export function closeLoopbackConnections(): void {
  agent.destroy();
}
