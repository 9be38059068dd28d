import { describe, expect, it } from 'vitest';
import type { ErrorEnvelope } from '../src/routes/error-handler.js';
import { createTestApp } from './helpers/test-app.js';

const CODE2SESSION = '/sns/jscode2session';

describe('WeChat circuit breaker through the service [sqlite]', () => {
  it('after 20 dropped logins answers 503 WECHAT_UNAVAILABLE at once with Retry-After, then recovers after 5 s', async () => {
    const t = await createTestApp();
    const circuit = async () => (await t.get('/readyz')).json<{ wechat: { circuit?: string } }>().wechat.circuit;
    expect(await circuit()).toBe('closed');
    t.simulator.setFaults({ dropRate: 1 });
    for (let i = 0; i < 20; i += 1) {
      const dropped = await t.login();
      expect([dropped.status, dropped.response.json<ErrorEnvelope>().error.code]).toEqual([503, 'WECHAT_UNAVAILABLE']);
    }
    const reached = t.simulator.stats()[CODE2SESSION] ?? 0;
    expect(reached).toBe(20);
    // /readyz shows it, and stays 200: a WeChat outage must not drain every instance from the load balancer.
    const ready = await t.get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(await circuit()).toBe('open');
    t.simulator.clearFaults();

    t.clock.advance(1_000);
    const { code } = t.simulator.login({ appid: t.appid });
    const refused = await t.post('/v1/auth/login', { code, appid: t.appid });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('4');
    // A synthetic errcode is not WeChat's: no `wechat` part in the answer.
    expect(refused.json<ErrorEnvelope>()).toEqual({
      error: { code: 'WECHAT_UNAVAILABLE', message: expect.any(String) },
    });
    expect(t.simulator.stats()[CODE2SESSION]).toBe(reached);

    // The refused code never reached WeChat: once the breaker lets a probe through, the same code logs in.
    t.clock.advance(4_000);
    const recovered = await t.post('/v1/auth/login', { code, appid: t.appid });
    expect(recovered.statusCode).toBe(200);
    expect(await circuit()).toBe('closed');
    expect(t.simulator.stats()[CODE2SESSION]).toBe(reached + 1);
    expect((await t.login()).status).toBe(200);
  });
});
