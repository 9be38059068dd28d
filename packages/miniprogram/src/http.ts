import { WxloginError, type WeChatErrorInfo } from './errors.js';
import {
  ignoreResult,
  type Platform,
  type PlatformResponse,
  type RequestData,
  type RequestMethod,
} from './platform.js';

/** One call of `wx.request`. */
export interface HttpRequest {
  url: string;
  method: RequestMethod;
  data?: RequestData;
  header: Record<string, string>;
  timeoutMs: number;
}

/** An answer, whatever its status. */
export interface HttpResponse {
  statusCode: number;
  data: unknown;
  header: Record<string, string>;
}

/** Sends one request; rejects with `NETWORK_ERROR` only when no answer came (offline, timeout, `interrupted`). */
export function send(platform: Platform, request: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const options = {
      url: request.url,
      method: request.method,
      header: request.header,
      timeout: request.timeoutMs,
      dataType: 'json' as const,
      success: (result: PlatformResponse) =>
        resolve({ statusCode: result.statusCode, data: result.data, header: plainHeader(result.header) }),
      fail: (error: { errMsg?: string }) => {
        const errMsg = typeof error?.errMsg === 'string' ? error.errMsg : 'request:fail';
        reject(new WxloginError('NETWORK_ERROR', `No answer from ${request.url}: ${errMsg}`, { errMsg }));
      },
    };
    try {
      ignoreResult(platform.request(request.data === undefined ? options : { ...options, data: request.data }));
    } catch (error) {
      options.fail({ errMsg: `request:fail ${error instanceof Error ? error.message : String(error)}` });
    }
  });
}

/** The error for an answer with status ≥ 400: the service's envelope when it has one, else `HTTP_ERROR`. */
export function errorOf(response: HttpResponse, now: () => number): WxloginError {
  const envelope = envelopeOf(response.data);
  const retryAfterSeconds = retryAfterOf(response.header, now);
  const details = {
    statusCode: response.statusCode,
    data: response.data,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
  if (envelope === undefined) return new WxloginError('HTTP_ERROR', `HTTP ${response.statusCode}`, details);
  return new WxloginError(envelope.code as WxloginError['code'], envelope.message, {
    ...details,
    ...(envelope.wechat === undefined ? {} : { wechat: envelope.wechat }),
  });
}

interface Envelope {
  code: string;
  message: string;
  wechat?: WeChatErrorInfo;
}

function envelopeOf(data: unknown): Envelope | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const error = (data as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, wechat } = error as { code?: unknown; message?: unknown; wechat?: unknown };
  if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(code)) return undefined;
  const info = wechat as { errcode?: unknown; rid?: unknown } | undefined;
  return {
    code,
    message: typeof message === 'string' ? message : code,
    ...(info !== undefined && typeof info === 'object' && info !== null && typeof info.errcode === 'number'
      ? { wechat: { errcode: info.errcode, rid: typeof info.rid === 'string' ? info.rid : null } }
      : {}),
  };
}

/** `Retry-After` in seconds (delta-seconds or an HTTP date), whatever the header name's case. */
function retryAfterOf(header: Record<string, string>, now: () => number): number | undefined {
  const value = header['retry-after'];
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now()) / 1000));
}

// Platforms disagree on the case of header names (DevTools, devices, Taro): keep them lowercased.
function plainHeader(header: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (header === undefined || header === null) return out;
  for (const name of Object.keys(header)) {
    const value = header[name];
    if (value !== undefined) out[name.toLowerCase()] = String(value);
  }
  return out;
}
