import { CONFIGURED_APPID_MAX } from '../schemas/limits.js';

/** One mini program the service logs in for. `secret` is the AppSecret: never logged, never sent to a client. */
export interface AppCredentials {
  readonly appid: string;
  readonly secret: string;
}

/**
 * Appids as WeChat issues them (`wx` + 16 hex) and test ids like `wxdevapp00000001`; no separators. At most 32: the
 * `appid` columns are `varchar(32)`, so a longer one would start fine and then fail every login on PostgreSQL/MySQL.
 */
const APPID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{1,${CONFIGURED_APPID_MAX}}$`);

/**
 * Parses `appid:secret,appid:secret` (or the config file's list) and pushes problems to `problems` naming the entry
 * by position or appid, never quoting an entry (it holds a secret).
 */
export function parseApps(
  input: string | readonly { appid: string; secret: string }[],
  name: string,
  problems: string[],
): AppCredentials[] {
  const entries: { appid: string; secret: string }[] = [];
  if (typeof input === 'string') {
    const parts = input
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    if (parts.length === 0) problems.push(`${name}: no app configured; expected appid:secret[,appid:secret…]`);
    parts.forEach((part, i) => {
      const at = part.indexOf(':');
      if (at < 0) {
        problems.push(`${name}: entry ${i + 1} is not of the form appid:secret`);
        return;
      }
      entries.push({ appid: part.slice(0, at).trim(), secret: part.slice(at + 1).trim() });
    });
  } else {
    if (input.length === 0) problems.push(`${name}: no app configured`);
    entries.push(...input.map((a) => ({ appid: a.appid.trim(), secret: a.secret.trim() })));
  }

  const apps: AppCredentials[] = [];
  const seen = new Set<string>();
  entries.forEach(({ appid, secret }, i) => {
    if (!APPID_PATTERN.test(appid)) {
      problems.push(
        `${name}: entry ${i + 1} has an invalid appid (letters, digits, '_' or '-', at most ${CONFIGURED_APPID_MAX})`,
      );
      return;
    }
    if (secret.length === 0) {
      problems.push(`${name}: app ${appid} has an empty secret`);
      return;
    }
    if (seen.has(appid)) {
      problems.push(`${name}: app ${appid} is listed twice`);
      return;
    }
    seen.add(appid);
    apps.push({ appid, secret });
  });
  return apps;
}
