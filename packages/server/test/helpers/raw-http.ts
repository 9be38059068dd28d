import { connect, type Socket } from 'node:net';

/** One HTTP/1.1 answer as read off the wire. */
export interface RawResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: string;
}

/** A client connection that writes whatever bytes a test wants, well-formed or not. */
export interface RawConnection {
  socket: Socket;
  /** When the connection was opened (`Date.now()`), for timing the server's cuts. */
  openedAt: number;
  /** Writes bytes as they are; a write after the server closed is ignored. */
  write(data: string | Buffer): void;
  /** The next complete answer (`content-length` framed); rejects after `timeoutMs` or when the connection closes first. */
  response(timeoutMs?: number): Promise<RawResponse>;
  /** Resolves with `Date.now()` once the server closed the connection; rejects after `timeoutMs`. */
  closed(timeoutMs?: number): Promise<number>;
  /** Resets the connection (an abort). */
  destroy(): void;
}

/** Opens a TCP connection to `127.0.0.1:port`. */
export async function openRaw(port: number): Promise<RawConnection> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const openedAt = Date.now();
  let buffer = Buffer.alloc(0);
  let closedAt: number | undefined;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake();
  });
  // A reset after the answer is normal here (the server cut a client it refused).
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closedAt = Date.now();
    wake();
  });

  const take = (): RawResponse | undefined => {
    const end = buffer.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    const [statusLine, ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine!.split(' ')[1]);
    // An interim answer (100 Continue to `Expect: 100-continue`) has no body and precedes the real one.
    if (status >= 100 && status < 200 && status !== 101) {
      buffer = buffer.subarray(end + 4);
      return take();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (buffer.length < end + 4 + length) return undefined;
    const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    buffer = buffer.subarray(end + 4 + length);
    return { status, headers, body };
  };

  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const attempt = (): void => {
        let value: T | undefined;
        try {
          value = check();
        } catch (error) {
          finish();
          reject(error as Error);
          return;
        }
        if (value !== undefined) {
          finish();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(attempt);
      };
      waiters.add(attempt);
      attempt();
    });

  return {
    socket,
    openedAt,
    write(data) {
      if (!socket.destroyed && socket.writable) socket.write(data);
    },
    response(timeoutMs = 3000) {
      return waitFor(
        () => {
          const response = take();
          if (response === undefined && closedAt !== undefined)
            throw new Error(`connection closed before an answer (had ${buffer.length} bytes)`);
          return response;
        },
        timeoutMs,
        'answer',
      );
    },
    closed(timeoutMs = 3000) {
      return waitFor(() => closedAt, timeoutMs, 'close');
    },
    destroy() {
      socket.destroy();
    },
  };
}

/** Sends one request's bytes on a fresh connection and reads the answer (and waits for the close when it says so). */
export async function rawRequest(
  port: number,
  bytes: string | Buffer,
  timeoutMs = 3000,
): Promise<RawResponse & { closed: boolean }> {
  const connection = await openRaw(port);
  try {
    connection.write(bytes);
    const response = await connection.response(timeoutMs);
    const closed =
      response.headers['connection'] === 'close' ? await connection.closed(timeoutMs).then(() => true) : false;
    return { ...response, closed };
  } finally {
    connection.destroy();
  }
}
