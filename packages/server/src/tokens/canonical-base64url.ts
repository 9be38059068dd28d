const BASE64URL_TEXT = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes unpadded base64url only in its canonical spelling, else `undefined`. Node's decoder (and `atob`, which
 * jose uses) ignores the spare low bits of the last character, so one byte string has 4 or 16 spellings; a token
 * must have exactly one, or its copies cannot be told apart from forgeries by anything that compares text.
 */
export function decodeCanonicalBase64url(text: string): Buffer | undefined {
  if (!BASE64URL_TEXT.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
