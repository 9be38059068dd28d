import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { WeChatClient, type WeChatAppCredentials, type WeChatClientOptions } from '@wxlogin/core';

/** A request as the scripted upstream received it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Raw URL, query included (the test checks secrets never leak from it). */
  url: string;
  body: Record<string, unknown> | null;
}

/** Answers one request; may write anything (HTML, half a body, nothing). */
export type Script = (request: SeenRequest, res: ServerResponse) => void | Promise<void>;

/** A loopback HTTP server whose answers each test scripts: for garbage bodies, exact timing and token sequences. */
export interface ScriptedWeChat {
  url: string;
  requests: SeenRequest[];
  /** Requests seen on one path. */
  count(path: string): number;
  script(handler: Script): void;
  close(): Promise<void>;
}

/** Writes a JSON answer with status 200, as WeChat does even for errors. */
export function answer(res: ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; encoding=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return null;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Starts a scripted upstream on 127.0.0.1 and a free port. */
export async function startScriptedWeChat(initial: Script): Promise<ScriptedWeChat> {
  let handler = initial;
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        url: req.url ?? '/',
        body: await readBody(req),
      };
      requests.push(seen);
      await handler(seen, res);
    })().catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count: (path) => requests.filter((r) => r.path === path).length,
    script: (next) => {
      handler = next;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * A scripted upstream for a whole test file: started in `beforeAll` (answering `{}` until a test scripts it), its
 * request log cleared and every client made by `client()` closed after each test, stopped in `afterAll`.
 */
export function useScriptedWeChat(app: WeChatAppCredentials): {
  upstream: ScriptedWeChat;
  client(options?: Partial<WeChatClientOptions>): WeChatClient;
} {
  let started: ScriptedWeChat | undefined;
  const clients: WeChatClient[] = [];
  const get = (): ScriptedWeChat => {
    if (!started) throw new Error('useScriptedWeChat: read before its beforeAll ran');
    return started;
  };
  beforeAll(async () => {
    started = await startScriptedWeChat((_req, res) => answer(res, {}));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
    get().requests.length = 0;
  });
  afterAll(async () => started?.close());
  const upstream: ScriptedWeChat = {
    get url() {
      return get().url;
    },
    get requests() {
      return get().requests;
    },
    count: (path) => get().count(path),
    script: (handler) => get().script(handler),
    close: () => get().close(),
  };
  return {
    upstream,
    client(options = {}) {
      const made = new WeChatClient({ apps: [app], baseUrl: get().url, ...options });
      clients.push(made);
      return made;
    },
  };
}
