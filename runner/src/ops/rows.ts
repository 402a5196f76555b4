// Pieces shared by the row-returning operations: column selection, ordering, paging and the data owner's row cap.
import type { ColumnInfo, OrderBy } from '@simpul/protocol';
import type { Dataset } from '../engine/datasets.ts';
import { quoteIdent } from '../engine/sql.ts';

/** The SELECT list for the asked columns (all by default), each checked against the dataset first. */
export function selectList(ds: Dataset, columns: string[] | undefined): { sql: string; columns: ColumnInfo[] } {
  const cols = columns ? columns.map((c) => ds.column(c)) : ds.columns;
  return { sql: cols.length ? cols.map((c) => quoteIdent(c.name)).join(', ') : '*', columns: cols };
}

/** ORDER BY … for the asked order; without one, rows come in file order (DuckDB preserves insertion order). */
export function orderClause(ds: Dataset, orderBy: OrderBy | undefined): string {
  if (!orderBy?.length) return '';
  const keys = orderBy.map((o) => `${quoteIdent(ds.column(o.column).name)} ${o.direction === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`);
  return ` ORDER BY ${keys.join(', ')}`;
}

/** The page size after the data owner's `max_rows` cap, which the hub cannot override. */
export function pageLimit(ds: Dataset, limit: number): number {
  const cap = ds.config.policy?.max_rows;
  return cap === undefined ? limit : Math.min(limit, cap);
}
