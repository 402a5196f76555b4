// Pieces shared by the row-returning operations: the data owner's row cap.
import type { Dataset } from '../engine/datasets.ts';

/** The page size after the data owner's `max_rows` cap, which the hub cannot override. */
export function pageLimit(ds: Dataset, limit: number): number {
  const cap = ds.config.policy?.max_rows;
  return cap === undefined ? limit : Math.min(limit, cap);
}
