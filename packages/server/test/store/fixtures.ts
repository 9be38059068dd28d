// What every aggregate's store tests share: fixed times, fresh ids, an audit row and a whole login.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { createIdGenerator } from '../../src/ids.js';
import type { AuditEventRow, CompleteLoginInput, CompleteLoginResult, Store } from '../../src/store/index.js';

/** The tests' epoch: every time is relative to it. */
export const T0 = 1_700_000_000_000;
/** One minute, in ms. */
export const MINUTE = 60_000;
/** One day, in ms. */
export const DAY = 86_400_000;
/** The sliding expiry of the tests' sessions. */
export const TTL = 30 * DAY;
/** The absolute expiry of the tests' sessions. */
export const ABSOLUTE_TTL = 90 * DAY;
/** UUIDv7 ids, as the service makes them. */
export const newId = createIdGenerator();
/** Random hex, e.g. a code hash. */
export const hex = (bytes = 32): string => randomBytes(bytes).toString('hex');
/** A unique appid per test, so tests never see each other's rows. */
export const newAppid = (): string => `wx${hex(8)}`;
/** A random openid of WeChat's length and alphabet. */
export const newOpenid = (): string => `o${randomBytes(20).toString('base64url').slice(0, 27)}`;

/** An audit row at {@link T0} by `system`, with `overrides`. */
export function audit(action: string, overrides: Partial<AuditEventRow> = {}): AuditEventRow {
  return { id: newId(), at: T0, actor: 'system', action, appid: null, userId: null, detailJson: null, ...overrides };
}

/** Who logs in with {@link login}, and when. */
export interface LoginOptions {
  appid: string;
  openid: string;
  unionid?: string | null;
  now?: number;
  sessionId?: string;
}

/** A whole login as the service does it (claim the code, then `completeLogin`); answers the result and its input. */
export async function login(
  store: Store,
  o: LoginOptions,
): Promise<CompleteLoginResult & { input: CompleteLoginInput }> {
  const now = o.now ?? T0;
  const codeHash = hex();
  expect(
    await store.claimLoginCode({ codeHash, appid: o.appid, nonceHash: null, createdAt: now, expiresAt: now + MINUTE }),
  ).toBe(true);
  const input: CompleteLoginInput = {
    codeHash,
    appid: o.appid,
    openid: o.openid,
    unionid: o.unionid ?? null,
    newUserId: newId(),
    sessionKeySealed: `v1.abcdef01.${hex(12)}.${hex(40)}`,
    session: {
      id: o.sessionId ?? newId(),
      appid: o.appid,
      generation: 0,
      rotatedAt: now,
      lastUsedAt: now,
      expiresAt: now + TTL,
      absoluteExpiresAt: now + ABSOLUTE_TTL,
      createdIp: '127.0.0.1',
      userAgent: 'vitest',
      createdAt: now,
    },
    auditId: newId(),
    now,
  };
  return { ...(await store.completeLogin(input)), input };
}
