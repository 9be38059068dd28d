import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  SYNTHETIC_ERRCODES,
  WeChatClient,
  type WeChatError,
  type WeChatCallEvent,
  type WeChatClientOptions,
} from '@wxlogin/core';
import { createSimulator, type Simulator } from '@wxlogin/simulator';
import { CircuitBreaker, type CircuitAdmission, type CircuitPermit } from '../src/http/circuit-breaker.js';
import { failure } from './helpers/wechat-failure.js';

const DEV_APPID = 'wxdevapp00000001';
const DEV_SECRET = 'wxlogin-dev-secret';
const CODE2SESSION = '/sns/jscode2session';

let now = Date.UTC(2024, 5, 1, 2, 0, 0);
const clock = (): number => now;

function permitOf(admission: CircuitAdmission): CircuitPermit {
  if (!admission.admitted) throw new Error(`expected a permit, refused for ${admission.retryAfterMs} ms`);
  return admission.permit;
}

function breaker(failureThreshold = 3, openMs = 5000): CircuitBreaker {
  return new CircuitBreaker({ failureThreshold, openMs, clock });
}

function fail(b: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i += 1) permitOf(b.admit()).settle(true);
}

describe('CircuitBreaker (pure, injected clock)', () => {
  it('opens after failureThreshold consecutive unavailable outcomes, not before', () => {
    const b = breaker(3);
    fail(b, 2);
    expect(b.state).toBe('closed');
    fail(b, 1);
    expect(b.state).toBe('open');
    expect(b.admit()).toEqual({ admitted: false, retryAfterMs: 5000 });
  });

  it('an answer of another kind resets the count; a local refusal leaves it as it was', () => {
    const b = breaker(3);
    fail(b, 2);
    permitOf(b.admit()).settle(false);
    fail(b, 2);
    expect(b.state).toBe('closed');
    permitOf(b.admit()).settle(undefined);
    expect(b.state).toBe('closed');
    fail(b, 1);
    expect(b.state).toBe('open');
  });

  it('stays open for openMs, counting down, then lets exactly one probe through', () => {
    const b = breaker(1, 5000);
    fail(b, 1);
    now += 3_200;
    expect(b.admit()).toEqual({ admitted: false, retryAfterMs: 1_800 });
    now += 1_800;
    expect(b.state).toBe('half_open');
    const probe = permitOf(b.admit());
    expect(b.admit()).toEqual({ admitted: false, retryAfterMs: 1000 });
    probe.settle(false);
    expect(b.state).toBe('closed');
    permitOf(b.admit()).settle(false);
  });

  it('a failed probe opens it for another openMs; a probe that never reached WeChat frees the probe slot', () => {
    const b = breaker(1, 5000);
    fail(b, 1);
    now += 5_000;
    permitOf(b.admit()).settle(undefined);
    expect(b.state).toBe('half_open');
    permitOf(b.admit()).settle(true);
    expect(b.state).toBe('open');
    expect(b.admit()).toEqual({ admitted: false, retryAfterMs: 5000 });
  });

  it('outcomes of calls admitted before it opened are ignored, and a permit counts once', () => {
    const b = breaker(2, 5000);
    const slow = permitOf(b.admit());
    const twice = permitOf(b.admit());
    twice.settle(true);
    twice.settle(true);
    expect(b.state).toBe('closed');
    fail(b, 1);
    expect(b.state).toBe('open');
    slow.settle(false); // a slow success from before the outage must not close it
    expect(b.state).toBe('open');
  });

  it('a wall clock stepping back restarts the cool-down instead of keeping it open until the clock catches up', () => {
    const b = breaker(1, 5000);
    fail(b, 1);
    now -= 3_600_000;
    expect(b.admit()).toEqual({ admitted: false, retryAfterMs: 5000 });
    now += 5_000;
    expect(b.state).toBe('half_open');
  });
});

describe('WeChatClient breaker against the simulator', () => {
  let sim: Simulator;
  let baseUrl: string;
  const clients: WeChatClient[] = [];

  function client(options: Partial<WeChatClientOptions> = {}): WeChatClient {
    const made = new WeChatClient({ apps: [{ appid: DEV_APPID, secret: DEV_SECRET }], baseUrl, clock, ...options });
    clients.push(made);
    return made;
  }

  beforeAll(async () => {
    sim = createSimulator({ clock, random: () => 0 });
    baseUrl = await sim.listen({ port: 0 });
  });
  afterEach(async () => {
    sim.clearFaults();
    sim.resetStats();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    now += 3_600_000;
  });
  afterAll(async () => sim.close());

  it('opens on dropped connections, fails fast without reaching WeChat, recovers after the cool-down', async () => {
    const events: WeChatCallEvent[] = [];
    const wechat = client({ breaker: { failureThreshold: 4, openMs: 5000 }, onCall: (e) => events.push(e) });
    sim.setFaults({ dropRate: 1 });
    for (let i = 0; i < 4; i += 1) {
      expect((await failure(wechat.code2Session(DEV_APPID, `c${i}`))).errcode).toBe(SYNTHETIC_ERRCODES.NETWORK);
    }
    const reached = sim.stats()[CODE2SESSION] ?? 0;
    expect(reached).toBe(4);
    sim.clearFaults();

    now += 1_500;
    const open = await failure(wechat.code2Session(DEV_APPID, 'c-open'));
    // Refused before it began: the login code was never sent, so it is not consumed.
    expect([open.errcode, open.kind, open.retryable, open.consumed]).toEqual([
      SYNTHETIC_ERRCODES.CIRCUIT_OPEN,
      'unavailable',
      true,
      false,
    ]);
    expect(open.retryAfterSeconds).toBe(4);
    expect(sim.stats()[CODE2SESSION]).toBe(reached);
    expect(events).toHaveLength(4);

    now += 3_500;
    const { code, openid } = sim.login({ appid: DEV_APPID });
    expect((await wechat.code2Session(DEV_APPID, code)).openid).toBe(openid);
    expect((await wechat.code2Session(DEV_APPID, sim.login({ appid: DEV_APPID }).code)).openid).toMatch(/\S/);
    expect(sim.stats()[CODE2SESSION]).toBe(reached + 2);
  });

  it('the default opens after 20 consecutive failures with a 5 s cool-down', async () => {
    const wechat = client();
    sim.setFaults({ dropRate: 1 });
    for (let i = 0; i < 20; i += 1) {
      expect((await failure(wechat.code2Session(DEV_APPID, `c${i}`))).errcode).toBe(SYNTHETIC_ERRCODES.NETWORK);
    }
    const open = await failure(wechat.code2Session(DEV_APPID, 'c-open'));
    expect([open.errcode, open.retryAfterSeconds]).toEqual([SYNTHETIC_ERRCODES.CIRCUIT_OPEN, 5]);
    expect(sim.stats()[CODE2SESSION]).toBe(20);
  });

  it('a failed probe reaches WeChat once and opens it again', async () => {
    const wechat = client({ breaker: { failureThreshold: 1, openMs: 2000 } });
    sim.setFaults({ dropRate: 1 });
    await failure(wechat.code2Session(DEV_APPID, 'c1'));
    now += 2_000;
    expect((await failure(wechat.code2Session(DEV_APPID, 'probe'))).errcode).toBe(SYNTHETIC_ERRCODES.NETWORK);
    const again = await failure(wechat.code2Session(DEV_APPID, 'c2'));
    expect([again.errcode, again.retryAfterSeconds]).toEqual([SYNTHETIC_ERRCODES.CIRCUIT_OPEN, 2]);
    expect(sim.stats()[CODE2SESSION]).toBe(2);
  });

  it('half-open lets one probe through while the others fail fast', async () => {
    const wechat = client({ breaker: { failureThreshold: 1, openMs: 1000 } });
    sim.setFaults({ dropRate: 1 });
    await failure(wechat.code2Session(DEV_APPID, 'c1'));
    sim.setFaults({ latencyMs: 100 });
    now += 1_000;
    const { code } = sim.login({ appid: DEV_APPID });
    const [probe, other] = await Promise.allSettled([
      wechat.code2Session(DEV_APPID, code),
      wechat.code2Session(DEV_APPID, 'c2'),
    ]);
    expect(probe.status).toBe('fulfilled');
    const refused = other.status === 'rejected' ? (other.reason as WeChatError) : undefined;
    expect([refused?.errcode, refused?.retryAfterSeconds]).toEqual([SYNTHETIC_ERRCODES.CIRCUIT_OPEN, 1]);
    expect(sim.stats()[CODE2SESSION]).toBe(2);
  });

  it('errcodes that are not unavailable (40029, 45011) count as a working transport and never open it', async () => {
    const wechat = client({ breaker: { failureThreshold: 2, openMs: 5000 } });
    for (let i = 0; i < 5; i += 1) {
      expect((await failure(wechat.code2Session(DEV_APPID, `unknown-${i}`))).kind).toBe('invalid_code');
    }
    sim.setFaults({ errcode: 45011 });
    for (let i = 0; i < 3; i += 1) {
      expect((await failure(wechat.code2Session(DEV_APPID, `q${i}`))).kind).toBe('rate_limited');
    }
    sim.setFaults({ dropRate: 1 });
    await failure(wechat.code2Session(DEV_APPID, 'd1'));
    sim.setFaults({ errcode: 40029 });
    await failure(wechat.code2Session(DEV_APPID, 'between'));
    sim.setFaults({ dropRate: 1 });
    expect((await failure(wechat.code2Session(DEV_APPID, 'd2'))).errcode).toBe(SYNTHETIC_ERRCODES.NETWORK);
    expect(sim.stats()[CODE2SESSION]).toBe(11);
  });

  it('-1 counts once per call, after its retries', async () => {
    const wechat = client({ breaker: { failureThreshold: 2, openMs: 5000 } });
    sim.setFaults({ errorRate: 1 });
    expect((await failure(wechat.code2Session(DEV_APPID, 'c1'))).errcode).toBe(-1);
    expect((await failure(wechat.code2Session(DEV_APPID, 'c2'))).errcode).toBe(-1);
    expect((await failure(wechat.code2Session(DEV_APPID, 'c3'))).errcode).toBe(SYNTHETIC_ERRCODES.CIRCUIT_OPEN);
    expect(sim.stats()[CODE2SESSION]).toBe(6);
  });

  it('breaker: false never opens', async () => {
    const wechat = client({ breaker: false });
    sim.setFaults({ dropRate: 1 });
    for (let i = 0; i < 25; i += 1) {
      expect((await failure(wechat.code2Session(DEV_APPID, `c${i}`))).errcode).toBe(SYNTHETIC_ERRCODES.NETWORK);
    }
    expect(sim.stats()[CODE2SESSION]).toBe(25);
  });

  it('rejects bad breaker options', () => {
    expect(() => client({ breaker: { failureThreshold: 0 } })).toThrow(/breaker.failureThreshold/);
    expect(() => client({ breaker: { failureThreshold: 1.5 } })).toThrow(/breaker.failureThreshold/);
    expect(() => client({ breaker: { openMs: -1 } })).toThrow(/breaker.openMs/);
  });
});
