import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/index.js';

/** A clock the test moves by hand. */
export interface TestClock {
  now: number;
  advance(ms: number): void;
}

/** A listening simulator on an injected clock, with small HTTP helpers. */
export interface TestSimulator {
  sim: Simulator;
  url: string;
  clock: TestClock;
  /** GET a path with query params; the parsed JSON body. */
  get(path: string, params?: Record<string, string>): Promise<Record<string, unknown>>;
  /** POST JSON (or a raw string body) to a path with query params; the parsed JSON body. */
  post(
    path: string,
    body: unknown,
    params?: Record<string, string>,
    contentType?: string,
  ): Promise<Record<string, unknown>>;
  /** A fetch Response for any request. */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** 2024-03-01T00:00:00Z, an arbitrary fixed start. */
export const START_MS = Date.UTC(2024, 2, 1);

/** Starts a simulator on 127.0.0.1, any port, with a hand-moved clock. */
export async function startSimulator(options: Omit<SimulatorOptions, 'clock'> = {}): Promise<TestSimulator> {
  const clock: TestClock = {
    now: START_MS,
    advance(ms) {
      this.now += ms;
    },
  };
  const sim = createSimulator({ ...options, clock: () => clock.now });
  const url = await sim.listen({ port: 0 });
  const request = (path: string, init?: RequestInit): Promise<Response> => fetch(`${url}${path}`, init);
  const withQuery = (path: string, params?: Record<string, string>): string =>
    params === undefined ? path : `${path}?${new URLSearchParams(params).toString()}`;
  return {
    sim,
    url,
    clock,
    request,
    async get(path, params) {
      const res = await request(withQuery(path, params));
      return (await res.json()) as Record<string, unknown>;
    },
    async post(path, body, params, contentType = 'application/json') {
      const res = await request(withQuery(path, params), {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return (await res.json()) as Record<string, unknown>;
    },
    close: () => sim.close(),
  };
}

/** The dev app's credentials. */
export const DEV = { appid: 'wxdevapp00000001', secret: 'wxlogin-dev-secret' } as const;

/** A WeChat failure body's shape: errcode plus an errmsg ending in a dashed rid. */
export const RID_PATTERN = /, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;
