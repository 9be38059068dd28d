import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeWx, createSimulator } from '../src/index.js';

// WeChat runs at most 10 wx.request at once and queues the rest (docs/simulator.md, the fake wx).

/** An app server that holds every request 100 ms and records how many it held at once. */
let app: Server;
let appUrl: string;
let held = 0;
let mostHeld = 0;
beforeAll(async () => {
  app = createServer((_req, res) => {
    held += 1;
    mostHeld = Math.max(mostHeld, held);
    setTimeout(() => {
      held -= 1;
      res.end('{"ok":true}');
    }, 100);
  });
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/held`;
});
afterAll(async () => {
  app.closeAllConnections();
  await new Promise((resolve) => app.close(resolve));
});

describe('fake wx.request concurrency', () => {
  it('a request made between a slot freeing and the queued request waking does not make 11 in flight', async () => {
    const wx = createFakeWx({ simulator: createSimulator(), appid: 'wxdevapp00000001' });
    const settled: Promise<unknown>[] = [];
    const request = (url: string): void => {
      settled.push(new Promise((resolve) => wx.request({ url, success: resolve, fail: resolve })));
    };
    // 9 held requests and one that fails a few microtasks later (bad URL): 10 slots taken, then 2 wait in line.
    for (let i = 0; i < 9; i += 1) request(appUrl);
    request('not a url');
    request(appUrl);
    request(appUrl);
    // A request at every microtask depth around the moment the bad-URL request frees its slot: before the fix one
    // of them took that slot while the woken waiter took it as well.
    const depths = 12;
    let issued = 0;
    const allIssued = new Promise<void>((resolve) => {
      for (let depth = 0; depth < depths; depth += 1) {
        let left = depth;
        const step = (): void => {
          if (left > 0) {
            left -= 1;
            queueMicrotask(step);
            return;
          }
          request(appUrl);
          issued += 1;
          if (issued === depths) resolve();
        };
        queueMicrotask(step);
      }
    });
    mostHeld = 0;
    await allIssued;
    await Promise.all(settled);
    expect(wx.control.requests).toMatchObject({ maxInFlight: 10, inFlight: 0, total: 12 + depths });
    expect(mostHeld).toBeLessThanOrEqual(10);
  });
});
