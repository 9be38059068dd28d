import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that passed the relay. */
export interface RelayedCall {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The JSON body, parsed; undefined when empty. */
  body: unknown;
  /** The service's status, once it answered. */
  status?: number;
  /** Epoch ms when the relay received it. */
  at: number;
}

/** What to do with a call: pass it on, or let the service handle it and then cut the device's connection. */
export type RelayAction = 'pass' | 'drop-answer' | { delayMs: number };

/** An HTTP relay in front of the service, so a test sees (and can break) exactly what the device sends. */
export interface Relay {
  url: string;
  calls: RelayedCall[];
  /** Calls to `path` (and `method`, when given). */
  callsTo(path: string, method?: string): RelayedCall[];
  /** Decides per call; default everything passes. Reset with `undefined`. */
  rule: ((call: RelayedCall) => RelayAction) | undefined;
  /** Runs after the service answered, before the answer goes to the device (a test clears faults there). */
  onAnswer: ((call: RelayedCall) => void) | undefined;
  close(): Promise<void>;
}

/** Starts a relay on a free loopback port that forwards to `upstream`. */
export async function startRelay(upstream: string): Promise<Relay> {
  const relay: Relay = {
    url: '',
    calls: [],
    callsTo: (path, method) =>
      relay.calls.filter((c) => c.path === path && (method === undefined || c.method === method)),
    rule: undefined,
    onAnswer: undefined,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const call: RelayedCall = {
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] as string,
        headers: { ...req.headers },
        body: raw === '' ? undefined : safeJson(raw),
        at: Date.now(),
      };
      relay.calls.push(call);
      const action = relay.rule?.(call) ?? 'pass';
      if (typeof action === 'object') await new Promise((resolve) => setTimeout(resolve, action.delayMs));
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
          headers[name] = value;
      }
      const answer = await fetch(`${upstream}${req.url ?? '/'}`, {
        method: call.method,
        headers,
        ...(raw === '' || call.method === 'GET' || call.method === 'HEAD' ? {} : { body: raw }),
      });
      const text = await answer.text();
      call.status = answer.status;
      relay.onAnswer?.(call);
      if (action === 'drop-answer') {
        // The service handled it; the device never hears back.
        req.socket.destroy();
        return;
      }
      const out: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!['content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)) out[name] = value;
      });
      res.writeHead(answer.status, out).end(text);
    })().catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return relay;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
