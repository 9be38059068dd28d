import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors/catalogue.js';
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

/** What Node reports with a `clientError`: llhttp's `HPE_*` code or Node's own `ERR_HTTP_REQUEST_TIMEOUT`. */
type ClientError = Error & { code?: string; reason?: string };

/** The catalogue code answered for a client error (Node's own mapping, in the envelope). */
function codeOf(error: ClientError): ErrorCode {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'REQUEST_TIMEOUT';
    case 'HPE_HEADER_OVERFLOW':
      return 'HEADERS_TOO_LARGE';
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'PAYLOAD_TOO_LARGE';
    default:
      return 'VALIDATION_FAILED';
  }
}

// llhttp's reasons are fixed English phrases ("Invalid character in chunk size"): worth showing a client that has
// to find its bug; anything else is left out rather than echoed.
const SAFE_REASON = /^[A-Za-z][A-Za-z0-9 ,.'-]{0,79}$/;

function messageOf(error: ClientError, code: ErrorCode): string {
  if (code !== 'VALIDATION_FAILED') return ERROR_CATALOGUE[code].message;
  const reason = typeof error.reason === 'string' ? error.reason.replace(/\.$/, '') : '';
  return SAFE_REASON.test(reason) ? `The request is not valid HTTP: ${reason}.` : 'The request is not valid HTTP.';
}

/** The complete raw answer: Node's parser is gone, so nothing but the socket is left to write it on. */
function rawResponse(code: ErrorCode, message: string): string {
  const { status } = ERROR_CATALOGUE[code];
  const body = JSON.stringify({ error: { code, message } });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'connection: close\r\n' +
    '\r\n' +
    body
  );
}

/**
 * How long a refused connection may stay half-open for the client to read the answer. Closing at once would reset
 * it while the client is still sending (a header flood, a body), and a reset can make the client drop the answer
 * before reading it; waiting longer would let the client pin the connection.
 */
const LINGER_MS = 1000;

const answered = new WeakSet<Socket>();
const cut = new WeakMap<Socket, ErrorCode>();

// The client closed its side in the middle of a request: it ended the exchange, the server did not cut it.
const CLIENT_ENDED = 'HPE_INVALID_EOF_STATE';

/**
 * The catalogue code this server answered on `socket` before cutting it (a timeout, a parser error), if it did: a
 * request whose body stream then breaks was cut by the server, not aborted by its client.
 */
export function cutByServer(socket: Socket | undefined | null): ErrorCode | undefined {
  return socket ? cut.get(socket) : undefined;
}

/**
 * Fastify's `clientErrorHandler` for the failures Node's HTTP parser sees before any route does — bad chunked
 * encoding, `Content-Length` with `Transfer-Encoding`, invalid header characters, headers over the limit — and for
 * requests whose headers or body did not arrive in time. Each gets a complete answer in the error envelope
 * (`400 VALIDATION_FAILED`, `431 HEADERS_TOO_LARGE`, `413 PAYLOAD_TOO_LARGE`, `408 REQUEST_TIMEOUT`) with
 * `Connection: close`, then the connection is closed. Logged at `debug` (a timeout at `info`): a client's mistake
 * or a slow network, never the service's failure.
 */
export function clientErrorHandler(
  log: () => FastifyBaseLogger,
): NonNullable<FastifyServerOptions['clientErrorHandler']> {
  return (error: ClientError, socket: Socket) => {
    // A reset connection has nobody left to answer; a socket already answered has its answer under way (Node
    // reports the parser's error again for every further chunk the client sends).
    if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
    answered.add(socket);
    const code = codeOf(error);
    const fields = { errorCode: code, clientError: error.code };
    if (error.code === CLIENT_ENDED) log().debug(fields, 'client closed the connection mid-request');
    else {
      cut.set(socket, code);
      if (code === 'REQUEST_TIMEOUT') log().info(fields, 'client too slow: request cut');
      else log().debug(fields, `client error: ${code}`);
    }

    // Node's own rule: once an answer has started on this socket, more bytes would corrupt it; only close then.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    socket.end(rawResponse(code, messageOf(error, code)));
    const linger = setTimeout(() => socket.destroy(), LINGER_MS);
    socket.once('close', () => clearTimeout(linger));
  };
}
