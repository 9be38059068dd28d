import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A response as the network APIs need it, whatever sent the request. */
export interface RawResponse {
  status: number;
  header: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * Sends one request with `node:http(s)`. Only for the methods `wx.request` allows and `fetch` refuses (TRACE and
 * CONNECT are forbidden methods in the Fetch standard); a CONNECT answer ends at its head, its tunnel is closed.
 */
export function sendWithNodeHttp(
  url: URL,
  method: string,
  header: Record<string, string>,
  body: string | ArrayBuffer | undefined,
  signal: AbortSignal,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method, headers: header, signal });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve(rawResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
    });
    req.on('connect', (res: IncomingMessage, socket, head: Buffer) => {
      socket.destroy();
      resolve(rawResponse(res.statusCode ?? 0, res.headers, head));
    });
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : Buffer.from(body));
  });
}

function rawResponse(status: number, headers: IncomingHttpHeaders, body: Buffer): RawResponse {
  const header: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) header[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status, header, cookies: headers['set-cookie'] ?? [], body };
}
