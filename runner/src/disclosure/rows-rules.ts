// The gate's rules for raw rows (ops 100 and 200, op 400 of data): the per-task cap, the analyst's daily budget, and
// counts beside the rows as the policy lets them leave.
import type { RowsResult } from '@simpul/protocol';
import { TaskFailure } from '../errors.ts';
import { countReleaser } from './cells.ts';
import type { QuerySet } from './facts.ts';
import type { Tally } from './tally.ts';

export interface Budget {
  /** Rows this analyst may still receive from this dataset today (Infinity without a daily budget). */
  left: number;
  charge(rows: number): void;
}

/** How many of `wanted` rows may leave, and the rule that cut them: the task cap and the budget; none left is a refusal. */
export function rowAllowance(
  wanted: number,
  t: Tally,
  budget: Budget,
  dataset: string,
): { rows: number; cut?: 'max_rows' | 'max_rows_per_day' } {
  const cap = t.policy.maxRows ?? Infinity;
  let n = Math.min(wanted, cap);
  let cut: 'max_rows' | 'max_rows_per_day' | undefined;
  if (n < wanted) {
    t.add('max_rows', 0, `at most ${cap} rows leave per task`);
    cut = 'max_rows';
  }
  if (wanted > 0 && budget.left <= 0) {
    throw new TaskFailure(
      'policy_denied',
      `the daily row budget of dataset "${dataset}" for this analyst is used up (max_rows_per_day ${t.policy.maxRowsPerDay}); it frees up over the next 24 hours`,
    );
  }
  if (budget.left < n) {
    n = budget.left;
    t.add('max_rows_per_day', 0, `rows are cut to what is left of the daily budget of ${t.policy.maxRowsPerDay}`);
    cut = 'max_rows_per_day';
  }
  return { rows: n, ...(cut ? { cut } : {}) };
}

export function releaseRows(
  r: RowsResult,
  t: Tally,
  budget: Budget,
  dataset: string,
  qs: QuerySet | undefined,
): RowsResult {
  const { rows: n, cut } = rowAllowance(r.rows.length, t, budget, dataset);
  budget.charge(n);
  const count = countReleaser(t, qs);
  // The counts say so when the gate cut the page (a page cut to the cap was read one row longer: ops/rows.ts).
  const counts = r.row_counts && (cut ? { ...r.row_counts, full: n, inline: n, full_cut: cut } : r.row_counts);
  return {
    ...r,
    rows: r.rows.slice(0, n),
    ...(counts ? { row_counts: counts } : {}),
    ...(r.matched_rows !== undefined ? { matched_rows: count(r.matched_rows, 'matched_rows') } : {}),
  };
}
