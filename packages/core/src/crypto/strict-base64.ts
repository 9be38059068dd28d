// Standard alphabet, padded to a multiple of 4: Buffer.from(…, 'base64') alone silently skips junk characters,
// which would turn a mangled payload (e.g. '+' turned into ' ' by form decoding) into a "bad padding" verdict.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard, padded base64 strictly.
 * @returns the bytes, or `null` when the text is not exactly base64.
 */
export function decodeStrictBase64(text: string): Buffer | null {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}
