/**
 * `@wxlogin/core` — the public API, and nothing else: WeChat mini program server-API client (`WeChatClient`), the
 * access-token cache port, typed errors with the errcode table, and the encryptedData / signature helpers.
 */
export {
  API_ERRCODE_TABLE,
  CODE_CARRYING_APIS,
  ERRCODE_TABLE,
  SYNTHETIC_ERRCODES,
  TOKEN_REJECTED_ERRCODES,
  classifyErrcode,
  isCodeConsumed,
  type ErrcodeRule,
  type WeChatApi,
  type WeChatErrorKind,
} from './errors/errcode-table.js';
export { WeChatError, type WeChatErrorInit, type WeChatErrorJSON } from './errors/wechat-error.js';
export { redactSecrets } from './errors/redact.js';
export { DecryptError, type DecryptErrorCode, type DecryptFailureReason } from './crypto/decrypt-error.js';
export { decryptData, type DecryptDataInput, type DecryptedData, type Watermark } from './crypto/decrypt-data.js';
export { verifyRawDataSignature, type RawDataSignatureInput } from './crypto/raw-data-signature.js';
export { sessionKeySignature } from './crypto/session-key-signature.js';
export { WeChatClient } from './client.js';
export type { CircuitState } from './http/circuit-breaker.js';
export type {
  GetAccessTokenOptions,
  GetPhoneNumberOptions,
  WeChatAppCredentials,
  WeChatBreakerOptions,
  WeChatClientOptions,
  WeChatTimeouts,
} from './client-options.js';
export type { Code2SessionResult } from './api/code2session.js';
export type { PhoneNumberResult } from './api/get-phone-number.js';
export type { WeChatCallEvent, WeChatCallListener } from './api/call-event.js';
export type { TokenCache } from './token/token-cache.js';
export type { AccessTokenState } from './token/access-token-manager.js';
export { MemoryTokenCache, type MemoryTokenCacheOptions } from './token/memory-token-cache.js';
