import { afterEach, describe, expect, it } from 'vitest';
import { DEV, RID_PATTERN, startSimulator, type TestSimulator } from './helpers/start-simulator.js';

// `PUT /__sim/faults`, part of the Contract (docs/simulator.md#fault-injection). The dice are injected (`random`), so every outcome here is determined.
let t: TestSimulator;
afterEach(() => t.close());

/** A `random` that replays `values` in a loop. */
function dice(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}

const exchange = (code: string) =>
  t.get('/sns/jscode2session', { ...DEV, js_code: code, grant_type: 'authorization_code' });
const stableToken = (force = false) =>
  t.post('/cgi-bin/stable_token', { grant_type: 'client_credential', ...DEV, force_refresh: force });

describe('fault injection', () => {
  it('errcode: every call answers it with a rid and takes no effect; 40164 names the caller IP', async () => {
    t = await startSimulator();
    const { code } = t.sim.login({ appid: DEV.appid });
    t.sim.setFaults({ errcode: 40164 });
    const answer = await exchange(code);
    expect(answer.errcode).toBe(40164);
    expect(answer.errmsg).toMatch(/^invalid ip 127\.0\.0\.1 ipv6 ::ffff:127\.0\.0\.1, not in whitelist/);
    expect(answer.errmsg).toMatch(RID_PATTERN);
    expect((await stableToken()).errcode).toBe(40164);
    t.sim.clearFaults();
    expect((await exchange(code)).openid).toBeDefined();
  });

  it('routes: limits the faults to the listed paths', async () => {
    t = await startSimulator();
    t.sim.setFaults({ errcode: -1, routes: ['/cgi-bin/stable_token'] });
    expect((await stableToken()).errcode).toBe(-1);
    expect((await exchange(t.sim.login({ appid: DEV.appid }).code)).openid).toBeDefined();
  });

  it('errorRate: answers -1 ("system error") at that share of calls, without using the code', async () => {
    t = await startSimulator({ random: dice(0.1, 0.9) });
    t.sim.setFaults({ errorRate: 0.5 });
    const { code, openid } = t.sim.login({ appid: DEV.appid });
    const first = await exchange(code);
    expect(first.errcode).toBe(-1);
    expect(first.errmsg).toMatch(/^system error, rid: /);
    expect((await exchange(code)).openid).toBe(openid);
  });

  it('dropRate: destroys the connection without an answer or an effect', async () => {
    t = await startSimulator({ random: dice(0.1, 0.9) });
    t.sim.setFaults({ dropRate: 0.5 });
    const { code, openid } = t.sim.login({ appid: DEV.appid });
    await expect(exchange(code)).rejects.toThrow();
    expect((await exchange(code)).openid).toBe(openid);
    expect(t.sim.stats()['/sns/jscode2session']).toBe(2);
  });

  it('dropAfterConsume: uses the code then drops the connection, so the retry meets 40163', async () => {
    t = await startSimulator();
    t.sim.setFaults({ dropAfterConsume: true });
    const { code } = t.sim.login({ appid: DEV.appid });
    await expect(exchange(code)).rejects.toThrow();
    expect((await exchange(code)).errcode).toBe(40163);
    expect(t.sim.stats()['/sns/jscode2session']).toBe(2);
  });

  it('dropAfterConsume: a forced refresh that lost its answer still killed the old token', async () => {
    t = await startSimulator();
    const old = (await stableToken()).access_token as string;
    t.sim.setFaults({ dropAfterConsume: true, routes: ['/cgi-bin/stable_token'] });
    await expect(stableToken(true)).rejects.toThrow();
    t.sim.clearFaults();
    const answer = await t.post('/wxa/business/getuserphonenumber', { code: 'x' }, { access_token: old });
    expect(answer.errcode).toBe(40001);
  });

  it('latencyMs: delays the answer by real time', async () => {
    t = await startSimulator();
    t.sim.setFaults({ latencyMs: 300 });
    const started = performance.now();
    expect((await stableToken()).access_token).toBeDefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('close() does not wait for a long injected latency', async () => {
    t = await startSimulator();
    t.sim.setFaults({ latencyMs: 60_000 });
    const pending = stableToken();
    pending.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await t.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect(pending).rejects.toThrow();
  });

  it('never applies to the control API', async () => {
    t = await startSimulator();
    t.sim.setFaults({ errcode: -1, dropRate: 1 });
    const res = await t.request('/__sim/login', { method: 'POST', body: JSON.stringify({ appid: DEV.appid }) });
    expect(res.status).toBe(200);
  });

  it('PUT /__sim/faults sets them, GET reads them, {} clears them', async () => {
    t = await startSimulator();
    const put = (body: unknown) =>
      t.request('/__sim/faults', {
        method: 'PUT',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const set = await put({ errcode: 40164, routes: ['/sns/jscode2session'] });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ errcode: 40164, routes: ['/sns/jscode2session'] });
    expect(t.sim.faults).toEqual({ errcode: 40164, routes: ['/sns/jscode2session'] });
    expect((await exchange('whatever')).errcode).toBe(40164);
    await put({});
    expect(await (await t.request('/__sim/faults')).json()).toEqual({});
    expect((await exchange('whatever')).errcode).toBe(40029);
  });

  it.each([
    [{ errorRate: 2 }],
    [{ dropRate: -0.1 }],
    [{ latencyMs: 'slow' }],
    [{ errcode: 0 }],
    [{ routes: ['/sns/nope'] }],
    [{ dropAfterConsume: 'yes' }],
    [{ latency: 5 }],
    [[]],
  ])('rejects %j with 400 and keeps the faults in force', async (body) => {
    t = await startSimulator();
    t.sim.setFaults({ errcode: 45011 });
    const res = await t.request('/__sim/faults', { method: 'PUT', body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toEqual(expect.any(String));
    expect(t.sim.faults).toEqual({ errcode: 45011 });
  });
});
