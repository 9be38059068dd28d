// WeChat's daily quotas (20 forced stable_token refreshes a day) reset at midnight China Standard Time (UTC+8,
// no daylight saving).
const DAY_MS = 86_400_000;
const CST_OFFSET_MS = 8 * 3_600_000;

/** The day number (days since 1970-01-01, Beijing time) of an instant. */
export function beijingDay(epochMs: number): number {
  return Math.floor((epochMs + CST_OFFSET_MS) / DAY_MS);
}

/** Milliseconds from an instant to the next midnight in Beijing. */
export function msUntilBeijingMidnight(epochMs: number): number {
  return (beijingDay(epochMs) + 1) * DAY_MS - CST_OFFSET_MS - epochMs;
}
