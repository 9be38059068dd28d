// The rows of a database that has run for a while: users who signed up over the last 90 days, and sessions in the
// steady state the hourly sweep keeps (nothing that ended more than 7 days ago is left), so a `wxlogin gc` right
// after seeding deletes nothing and the benchmark measures the size it was given.
import { randomClientIp, randomUserAgent } from './device-profiles.js';
import { pick, randomBase64url, randomInt, randomView, sortableDigits, stablePrefix } from './random-text.js';

const DAY_MS = 86_400_000;
/** How far back users and sessions go. */
export const HISTORY_MS = 90 * DAY_MS;
// The server's defaults (WXLOGIN_REFRESH_TTL, WXLOGIN_REFRESH_ABSOLUTE_TTL) and the sweep's retention of ended
// sessions: a session's sliding expiry is its last rotation plus 30 days, never past 90 days from its login.
const REFRESH_TTL_MS = 30 * DAY_MS;
const ABSOLUTE_TTL_MS = 90 * DAY_MS;
// An hour inside the sweep's 7 days: a `wxlogin gc` (or the service's first background sweep) within the hour after
// seeding finds nothing to delete, so the benchmark runs on the counts it was given.
const SWEPT_AFTER_MS = 7 * DAY_MS - 3_600_000;
/** The oldest last rotation a session still in the table can have: it expired less than 7 days ago. */
const OLDEST_ROTATION_MS = REFRESH_TTL_MS + SWEPT_AFTER_MS;

const UNIONID_SHARE = 0.5;
const PHONE_SHARE = 0.1;
const NICKNAME_SHARE = 0.3;
const AVATAR_SHARE = 0.25;
const DISABLED_SHARE = 0.001;
/** Sessions logged out, revoked by an admin or on reuse, among those of active users. */
const REVOKED_SHARE = 0.08;
/** Sessions never refreshed (generation 0); the rest went through 1 to 5 rotations. */
const UNROTATED_SHARE = 0.35;
const MAX_GENERATION = 5;
/** Characters of an openid or unionid after its shared prefix that follow sign-up order (64^4 > the 10M cap). */
const ORDERED_CHARS = 4;

const NICKNAMES = [
  '微信用户',
  '小王',
  '阿杰',
  '陈晓',
  'Lily',
  '快乐每一天',
  '晴天',
  'Kevin',
  '李娜',
  '一只猫',
  '老张',
  'momo',
];
const DISABLED_REASONS = ['spam', 'fraud report', 'requested by support'];
// Weighted by repetition: most revocations are a user logging out on one device.
const REVOKED_REASONS = ['logout', 'logout', 'logout', 'logout', 'logout', 'logout_all', 'admin_revoked', 'reuse'];
const PHONE_PREFIXES = [
  '130',
  '131',
  '132',
  '135',
  '136',
  '138',
  '139',
  '150',
  '151',
  '158',
  '166',
  '177',
  '180',
  '186',
  '188',
  '199',
];

/**
 * UUIDv7s of the server's generator, each at the time asked for (ascending times, or it counts on from the last).
 * @param {(options: { clock: () => number }) => () => string} createIdGenerator
 * @returns {(ms: number) => string}
 */
function idsAt(createIdGenerator) {
  let at = 0;
  const next = createIdGenerator({ clock: () => at });
  return (ms) => {
    at = ms;
    return next();
  };
}

/**
 * A uniform time in [from, to].
 * @param {number} from
 * @param {number} to
 */
function between(from, to) {
  return from + Math.floor(Math.random() * (to - from + 1));
}

/**
 * The users and sessions to seed, made chunk by chunk so a million rows never sit in memory as objects at once.
 * Users come first ({@link Dataset.userRows}); sessions ({@link Dataset.sessionRows}) belong to them, so they are
 * made after. Both are made in creation order, so their UUIDv7 ids (and the primary keys) arrive in order.
 *
 * Openids and unionids are 28 characters like WeChat's (`o`, a prefix shared by the app, then base64url), and they
 * too ascend with sign-up order: each is random after the shared prefix but for 4 characters that count up. WeChat's
 * own are uncorrelated with sign-up time; here the correlation turns the unique (openid, appid) and (unionid, appid)
 * indexes and the `wechat_sessions` key into appends, which makes SQLite's bulk load several times faster. Lookups
 * are exact, so the order changes nothing the service does; the indexes come out densely packed, as after a
 * `REINDEX`, rather than with the slack of random inserts.
 */
export class Dataset {
  /**
   * @param {{
   *   appid: string, users: number, sessions: number, now: number,
   *   sealSessionKey: (openid: string, sessionKey: string) => string,
   *   createIdGenerator: (options: { clock: () => number }) => () => string,
   * }} options
   */
  constructor(options) {
    this.appid = options.appid;
    this.users = options.users;
    this.sessions = options.sessions;
    this.now = options.now;
    this.start = options.now - HISTORY_MS;
    this.sealSessionKey = options.sealSessionKey;
    // One generator per table: each is monotonic, so sessions (which start again from 90 days ago) made on the
    // users' generator would all carry the last user's time.
    this.userIdAt = idsAt(options.createIdGenerator);
    this.sessionIdAt = idsAt(options.createIdGenerator);
    // Real openids of one mini program share a prefix; so do unionids of one open-platform account.
    this.openidPrefix = `o${stablePrefix(`openid|${options.appid}`, 5)}`;
    this.unionidPrefix = `o${stablePrefix(`unionid|${options.appid}`, 5)}`;
    /** Per user, what its sessions need: id, sign-up time, and when it was disabled (0: active). */
    this.userIds = new Array(options.users);
    this.userCreatedAt = new Float64Array(options.users);
    this.userDisabledAt = new Float64Array(options.users);
    this.phones = new Set();
    /** Spreads user `i`'s ordered characters over their whole range. */
    this.orderStep = 64 ** ORDERED_CHARS / options.users;
  }

  /** A mainland mobile number in E.164, unique among the seeded users (the unique constraint would refuse a repeat). */
  uniquePhone() {
    for (;;) {
      const phone = `+86${pick(PHONE_PREFIXES)}${String(randomInt(100_000_000)).padStart(8, '0')}`;
      if (!this.phones.has(phone)) {
        this.phones.add(phone);
        return phone;
      }
    }
  }

  /**
   * Users `from` to `to - 1` and their `wechat_sessions` rows, each as one flat array of values (row after row, in
   * the column order of `columns.js`).
   * @param {number} from
   * @param {number} to
   */
  userRows(from, to) {
    const { appid, now, start, users } = this;
    const slot = HISTORY_MS / users;
    const userValues = [];
    const wechatValues = [];
    for (let i = from; i < to; i++) {
      // Evenly spread sign-ups, each at a random moment of its own slot: strictly increasing, so ids are in order.
      const createdAt = Math.floor(start + (i + Math.random()) * slot);
      const id = this.userIdAt(createdAt);
      const ordered = sortableDigits(Math.floor(i * this.orderStep), ORDERED_CHARS);
      const openid = this.openidPrefix + ordered + randomBase64url(18);
      const unionid = Math.random() < UNIONID_SHARE ? this.unionidPrefix + ordered + randomBase64url(18) : null;
      // Recent activity is likelier: the square pulls last logins towards now.
      const r = Math.random();
      let lastLoginAt = Math.floor(createdAt + (now - createdAt) * (1 - r * r));
      const phone = Math.random() < PHONE_SHARE ? this.uniquePhone() : null;
      const nickname = Math.random() < NICKNAME_SHARE ? pick(NICKNAMES) : null;
      const avatarUrl =
        nickname !== null && Math.random() < AVATAR_SHARE / NICKNAME_SHARE
          ? `https://thirdwx.qlogo.cn/mmopen/vi_32/${randomBase64url(88)}/132`
          : null;
      let updatedAt = phone !== null || nickname !== null ? between(createdAt, lastLoginAt) : createdAt;
      let status = 'active';
      let disabledReason = null;
      if (Math.random() < DISABLED_SHARE) {
        // Disabled within the sweep's retention, so its sessions (revoked then) are still in the table.
        const disabledAt = between(Math.max(createdAt + 1, now - SWEPT_AFTER_MS), now);
        status = 'disabled';
        disabledReason = pick(DISABLED_REASONS);
        lastLoginAt = Math.min(lastLoginAt, disabledAt);
        updatedAt = disabledAt;
        this.userDisabledAt[i] = disabledAt;
      }
      this.userIds[i] = id;
      this.userCreatedAt[i] = createdAt;
      userValues.push(
        id,
        appid,
        openid,
        unionid,
        phone,
        nickname,
        avatarUrl,
        status,
        disabledReason,
        createdAt,
        lastLoginAt,
        updatedAt,
      );
      // WeChat's session_key: 16 random bytes in base64, sealed as the login seals it.
      wechatValues.push(appid, openid, this.sealSessionKey(openid, randomView(16).toString('base64')), lastLoginAt);
    }
    return { userValues, wechatValues };
  }

  /**
   * A user who may own a session logged in at `createdAt`: signed up before it, and not disabled by then.
   * @param {number} createdAt
   */
  ownerAt(createdAt) {
    const { users, start } = this;
    // Users are spread evenly: every index below `eligible` signed up before `createdAt` (user 0 always has).
    const eligible = Math.min(users, Math.max(1, Math.floor(((createdAt - start) * users) / HISTORY_MS)));
    for (let attempt = 0; attempt < 8; attempt++) {
      const u = randomInt(eligible);
      const disabledAt = this.userDisabledAt[u];
      if (disabledAt === 0 || disabledAt > createdAt) return u;
    }
    return 0;
  }

  /**
   * Sessions `from` to `to - 1`, as one flat array of values (as {@link Dataset.userRows}). Call after every user
   * was made.
   * @param {number} from
   * @param {number} to
   */
  sessionRows(from, to) {
    const { appid, now, users, sessions } = this;
    // The first session comes after user 0 signed up, whatever its moment in the first slot.
    const first = this.start + Math.ceil(HISTORY_MS / users);
    const slot = (now - first) / sessions;
    const oldestRotation = now - OLDEST_ROTATION_MS;
    const values = [];
    for (let j = from; j < to; j++) {
      const createdAt = Math.floor(first + (j + Math.random()) * slot);
      const u = this.ownerAt(createdAt);
      const disabledAt = this.userDisabledAt[u];
      // When the session last rotated: generation 0 never did. A session older than the sweep's horizon is still
      // here only because it rotated since (its expiry slid forward), so it has at least one rotation.
      const latest = disabledAt !== 0 ? Math.min(disabledAt, now) : now;
      let generation = 0;
      let rotatedAt = createdAt;
      if (createdAt < oldestRotation || Math.random() >= UNROTATED_SHARE) {
        generation = 1 + randomInt(MAX_GENERATION);
        rotatedAt = between(Math.max(createdAt + 1, oldestRotation), Math.max(createdAt + 1, latest));
      }
      const absoluteExpiresAt = createdAt + ABSOLUTE_TTL_MS;
      const expiresAt = Math.min(rotatedAt + REFRESH_TTL_MS, absoluteExpiresAt);
      let revokedAt = null;
      let revokedReason = null;
      if (disabledAt !== 0 && disabledAt > createdAt) {
        revokedAt = disabledAt;
        revokedReason = 'disabled';
      } else if (Math.random() < REVOKED_SHARE) {
        // Revoked while alive, and recently enough that the sweep has not removed it.
        const from = Math.max(rotatedAt, now - SWEPT_AFTER_MS);
        const until = Math.min(now, expiresAt);
        if (from <= until) {
          revokedAt = between(from, until);
          revokedReason = pick(REVOKED_REASONS);
        }
      }
      values.push(
        this.sessionIdAt(createdAt),
        appid,
        this.userIds[u],
        generation,
        rotatedAt,
        rotatedAt,
        expiresAt,
        absoluteExpiresAt,
        revokedAt,
        revokedReason,
        randomClientIp(),
        randomUserAgent(),
        createdAt,
      );
    }
    return values;
  }
}
