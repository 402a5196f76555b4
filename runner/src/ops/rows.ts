// Pieces shared by the row-returning operations: the data owner's row cap, and what the page says about its size.
import type { RowCounts } from '@simpul/protocol';
import type { Dataset } from '../engine/datasets.ts';

/**
 * Rows to read for a page: the task's limit, or one more than the data owner's `max_rows` when that is smaller, so that
 * the release gate sees that the cap cut the page (and says so) rather than the page ending there unexplained.
 */
export function pageLimit(ds: Dataset, limit: number): number {
  const cap = ds.config.policy?.max_rows;
  return cap === undefined ? limit : Math.min(limit, cap + 1);
}

/**
 * The page's counts before the gate: all rows read are the full result and inline (the gate and the inline size cap
 * may cut them later). `matched`: rows selected in all (exact; only the reason leaves, never this number).
 */
export function pageCounts(p: { limit: number; offset: number }, read: number, matched: number): RowCounts {
  const full = Math.min(read, p.limit);
  const cut = full === p.limit && p.offset + full < matched;
  return { limit: p.limit, full, inline: full, ...(cut ? { full_cut: 'limit' as const } : {}) };
}
