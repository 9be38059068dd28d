import { PAGE_LIMIT_MAX } from '../schemas/limits.js';
import type { Page } from './port/page.js';

/** An admin list's `limit`, clamped to 1..PAGE_LIMIT_MAX (a non-number counts as 1). */
export function clampLimit(limit: number): number {
  return Math.min(PAGE_LIMIT_MAX, Math.max(1, Math.trunc(Number.isFinite(limit) ? limit : 1)));
}

/**
 * The first `limit` of `rows`, which were fetched with one extra row: its presence tells whether a next page exists
 * without a second count query.
 */
export function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}
