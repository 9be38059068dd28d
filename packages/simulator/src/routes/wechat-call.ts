import type { World } from '../state/world.js';

/** One request to a WeChat route, already read. */
export interface WeChatCall {
  readonly method: string;
  readonly query: URLSearchParams;
  /** The raw request body ('' for none). */
  readonly body: string;
}

/** A WeChat route: answers a JSON body or throws a WeChatFailure. */
export type WeChatRoute = (call: WeChatCall, world: World) => Record<string, unknown>;

/** A query parameter, with an empty value counted as missing (WeChat treats both alike). */
export function param(call: WeChatCall, name: string): string | undefined {
  const value = call.query.get(name);
  return value === null || value === '' ? undefined : value;
}

/**
 * The JSON object in the body, or undefined when the body is not one. Like WeChat, the Content-Type header is not
 * trusted: a form-encoded body fails because it does not parse as JSON.
 */
export function jsonBody(call: WeChatCall): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(call.body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
