/** What a redacted secret is replaced with. */
export const REDACTED = '[redacted]';

// Query parameters and JSON fields that carry a secret, wherever a URL or a body might be echoed into text.
const SECRET_PARAM =
  /(?<![A-Za-z0-9_])(secret|appsecret|access_token|js_code|session_key|sessionKey|signature)=[^&\s"',]*/gi;
const SECRET_FIELD = /"(secret|appsecret|access_token|js_code|session_key|sessionKey|code)"\s*:\s*"[^"]*"/gi;

// Short values (an empty secret, a one-letter code) would redact ordinary words: only longer ones are matched.
const MIN_SECRET_LENGTH = 4;

/**
 * Removes secrets from a text that may be shown, logged or serialised: every occurrence of a known secret value,
 * plus any `secret=`, `access_token=`, `js_code=`, `session_key=`, `signature=` query parameter and any JSON field of
 * those names.
 * @param text the text, e.g. an `errmsg` from WeChat.
 * @param secrets the secret values in play for this call (AppSecret, access_token, session_key, js_code).
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(SECRET_PARAM, (_match, name: string) => `${name}=${REDACTED}`)
    .replace(SECRET_FIELD, (_match, name: string) => `"${name}":"${REDACTED}"`);
}
