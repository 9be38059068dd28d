// Fastify's per-request child logger is made only when the request logs: what must still hold.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyChildLogger } from '../src/http/lazy-request-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe('lazy request logger', () => {
  it('makes no child for a request that logs nothing at an enabled level, and a redacted one with its reqId for one that does', () => {
    const { lines, stream } = capture();
    const root = pino({ level: 'warn', redact: { paths: ['*.accessToken'], censor: '[redacted]' } }, stream);
    let children = 0;
    const counting = Object.assign(Object.create(root), {
      child: (...args: Parameters<typeof root.child>) => ((children += 1), root.child(...args)),
    });
    const quiet = lazyChildLogger.call(undefined as never, counting, { reqId: 'req-1' }, {}, undefined as never);
    quiet.info({ accessToken: 'secret' }, 'below the level');
    expect(children).toBe(0);

    const loud = lazyChildLogger.call(undefined as never, counting, { reqId: 'req-2' }, {}, undefined as never);
    loud.warn({ detail: { accessToken: 'secret' } }, 'at the level');
    loud.error('again');
    expect(children).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ reqId: 'req-2', msg: 'at the level', detail: { accessToken: '[redacted]' } });
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it("a route's own log level makes its child at once", () => {
    const { lines, stream } = capture();
    const root = pino({ level: 'warn' }, stream);
    const child = lazyChildLogger.call(
      undefined as never,
      root,
      { reqId: 'req-3' },
      { level: 'debug' },
      undefined as never,
    );
    child.debug('shown at the route level');
    expect(lines).toMatchObject([{ reqId: 'req-3', msg: 'shown at the route level' }]);
  });
});
