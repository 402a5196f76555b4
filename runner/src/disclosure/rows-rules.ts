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

/** How many of `wanted` rows may leave: cut to the task cap and the budget; none left at all is a refusal. */
export function rowAllowance(wanted: number, t: Tally, budget: Budget, dataset: string): number {
  const cap = t.policy.maxRows ?? Infinity;
  let n = Math.min(wanted, cap);
  if (n < wanted) t.add('max_rows', 0, `at most ${cap} rows leave per task`);
  if (wanted > 0 && budget.left <= 0) {
    throw new TaskFailure(
      'policy_denied',
      `the daily row budget of dataset "${dataset}" for this analyst is used up (max_rows_per_day ${t.policy.maxRowsPerDay}); it frees up over the next 24 hours`,
    );
  }
  if (budget.left < n) {
    n = budget.left;
    t.add('max_rows_per_day', 0, `rows are cut to what is left of the daily budget of ${t.policy.maxRowsPerDay}`);
  }
  return n;
}

export function releaseRows(
  r: RowsResult,
  t: Tally,
  budget: Budget,
  dataset: string,
  qs: QuerySet | undefined,
): RowsResult {
  const n = rowAllowance(r.rows.length, t, budget, dataset);
  budget.charge(n);
  const count = countReleaser(t, qs);
  return {
    ...r,
    rows: r.rows.slice(0, n),
    ...(r.matched_rows !== undefined ? { matched_rows: count(r.matched_rows, 'matched_rows') } : {}),
  };
}
