import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** What a {@link TcpRelay} does with new connections. */
export type RelayMode = 'pass' | 'cut' | 'blackhole';

/**
 * A loopback TCP relay of the test's own in front of a real server (PostgreSQL, MariaDB, Redis): the way to make that
 * server fail for one test without touching it.
 *
 * - `pass()`: bytes flow both ways.
 * - `cut()`: every connection is dropped and the port refuses new ones (a server that is down).
 * - `blackhole()`: connections stay open and new ones are accepted, but nothing reaches the other side and nothing
 *   comes back, not even a close (a network partition, or a server frozen with its sockets open).
 * - After a blackhole, `pass()` heals it as TCP would: a connection that stayed silent meanwhile works again; one that
 *   lost bytes, and one accepted during the partition (it never reached the server), is reset rather than resumed
 *   with a hole in its stream. `passNewOnly()` lets new connections through while every connection the partition
 *   caught stays black-holed for good (a database that failed over to another host: its old sessions answer never).
 */
export interface TcpRelay {
  /** `target` with host and port pointed at the relay (credentials, path and query kept). */
  url: string;
  readonly mode: RelayMode;
  /** Connections whose client has not closed its side (a partition hides a client's close from the server, not from here). */
  readonly openConnections: number;
  /** Chunks of bytes dropped by a partition so far, either way. */
  readonly droppedChunks: number;
  /** Connections from clients accepted so far. */
  readonly acceptedConnections: number;
  /** Lets traffic through (again), healing a partition as TCP would. */
  pass(): Promise<void>;
  /** Lets new connections through; those a partition caught stay black-holed. */
  passNewOnly(): Promise<void>;
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>;
  /** Lets nothing through, either way, on open and new connections alike. */
  blackhole(): Promise<void>;
  /** Drops everything and stops listening. Safe to call twice. */
  close(): Promise<void>;
}

interface Relayed {
  client: Socket;
  /** Absent for a connection accepted during a partition: it never reaches the server. */
  upstream: Socket | undefined;
  /** Caught by a partition: nothing passes either way. */
  frozen: boolean;
  /** Bytes (or a close) were dropped in either direction: the stream cannot resume. */
  lost: boolean;
  /** The client sent its end (or closed). */
  clientEnded: boolean;
}

/** Starts a {@link TcpRelay} on 127.0.0.1 (a free port, kept across cuts) in `pass` mode, to `target`'s host and port. */
export async function startTcpRelay(target: string, defaultPort: number): Promise<TcpRelay> {
  const upstreamUrl = new URL(target);
  const upstreamHost = upstreamUrl.hostname || '127.0.0.1';
  const upstreamPort = Number(upstreamUrl.port || defaultPort);
  const connections = new Set<Relayed>();
  let mode: RelayMode = 'pass';
  let server: Server | undefined;
  let port = 0;
  let accepted = 0;
  let dropped = 0;

  const drop = (relayed: Relayed): void => {
    connections.delete(relayed);
    relayed.client.destroy();
    relayed.upstream?.destroy();
  };
  const lose = (relayed: Relayed): void => {
    relayed.lost = true;
    dropped += 1;
  };

  const accept = (client: Socket): void => {
    accepted += 1;
    const relayed: Relayed = {
      client,
      upstream: undefined,
      frozen: mode === 'blackhole',
      lost: false,
      clientEnded: false,
    };
    connections.add(relayed);
    client.on('error', () => undefined);
    client.on('close', () => drop(relayed));
    client.on('data', (chunk) => {
      if (!relayed.frozen && relayed.upstream !== undefined) relayed.upstream.write(chunk);
      else lose(relayed);
    });
    client.on('end', () => {
      relayed.clientEnded = true;
      // A partitioned peer sees nothing of what the client sends, its end included.
      if (!relayed.frozen) relayed.upstream?.end();
      else lose(relayed);
    });
    if (relayed.frozen) return;
    const upstream = connect(upstreamPort, upstreamHost);
    relayed.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.on('data', (chunk) => {
      if (!relayed.frozen) client.write(chunk);
      else lose(relayed);
    });
    upstream.on('end', () => {
      if (!relayed.frozen) client.end();
      else lose(relayed);
    });
    upstream.on('close', () => {
      // During a partition the client would not learn that the server hung up.
      if (!relayed.frozen) drop(relayed);
      else lose(relayed);
    });
  };

  const listen = async (): Promise<void> => {
    if (server !== undefined) return;
    const next = createServer({ allowHalfOpen: true }, accept);
    next.listen(port, '127.0.0.1');
    await once(next, 'listening');
    port = (next.address() as AddressInfo).port;
    server = next;
  };

  const stopListening = async (): Promise<void> => {
    const listener = server;
    server = undefined;
    for (const relayed of [...connections]) drop(relayed);
    if (listener !== undefined) await new Promise<void>((resolve) => listener.close(() => resolve()));
  };

  await listen();
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  return {
    url: url.toString(),
    get mode() {
      return mode;
    },
    get openConnections() {
      let open = 0;
      for (const relayed of connections) if (!relayed.clientEnded) open += 1;
      return open;
    },
    get droppedChunks() {
      return dropped;
    },
    get acceptedConnections() {
      return accepted;
    },
    async pass() {
      mode = 'pass';
      for (const relayed of [...connections]) {
        if (relayed.lost || relayed.upstream === undefined) drop(relayed);
        else relayed.frozen = false;
      }
      await listen();
    },
    async passNewOnly() {
      mode = 'pass';
      await listen();
    },
    async cut() {
      mode = 'cut';
      await stopListening();
    },
    async blackhole() {
      mode = 'blackhole';
      for (const relayed of connections) relayed.frozen = true;
      await listen();
    },
    async close() {
      mode = 'cut';
      await stopListening();
    },
  };
}
