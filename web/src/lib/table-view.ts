// The result table's logic: client-side sorting, pages, and which rows a scrolled window shows.
import type { Cell } from '@simpul/protocol';

export type SortDir = 'asc' | 'desc';
export interface SortState {
  column: number;
  dir: SortDir;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Row indices in display order: by one column, nulls last in either direction, ties kept in their original order.
 * `numeric` columns compare as numbers (big integers arrive as strings).
 */
export function sortedOrder(rows: readonly Cell[][], sort: SortState | null, numeric: boolean): number[] {
  const order = rows.map((_, i) => i);
  if (!sort) return order;
  const c = sort.column;
  const sign = sort.dir === 'asc' ? 1 : -1;
  // Keys are computed once per row, not once per comparison: sorting 100,000 rows stays quick.
  const keys = rows.map((r) => {
    const v = r[c];
    if (v === null || v === undefined) return null;
    if (numeric || typeof v === 'number') {
      const n = typeof v === 'number' ? v : Number(v);
      return Number.isNaN(n) ? String(v) : n;
    }
    return typeof v === 'boolean' ? Number(v) : v;
  });
  order.sort((a, b) => {
    const x = keys[a];
    const y = keys[b];
    if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
    let d: number;
    if (typeof x === 'number' && typeof y === 'number') d = x - y;
    else if (typeof x === 'number')
      d = -1; // numbers before text that is not a number
    else if (typeof y === 'number') d = 1;
    else d = collator.compare(x, y);
    return d === 0 ? a - b : d * sign;
  });
  return order;
}

/** The next state when a column's header is pressed: ascending, then descending, then unsorted. */
export function nextSort(current: SortState | null, column: number): SortState | null {
  if (!current || current.column !== column) return { column, dir: 'asc' };
  return current.dir === 'asc' ? { column, dir: 'desc' } : null;
}

/** Page `page` (0-based, clamped) of `total` rows with `size` rows a page; size 0 means one page of everything. */
export function pageBounds(
  total: number,
  page: number,
  size: number,
): { page: number; pages: number; start: number; end: number } {
  if (size <= 0 || total <= size) return { page: 0, pages: 1, start: 0, end: total };
  const pages = Math.ceil(total / size);
  const p = Math.max(0, Math.min(pages - 1, page));
  return { page: p, pages, start: p * size, end: Math.min(total, (p + 1) * size) };
}

/** Which of `total` rows of `rowHeight` px fall in a viewport scrolled to `scrollTop`, plus `overscan` rows each side. */
export function visibleWindow(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  total: number,
  overscan = 10,
): { start: number; end: number } {
  if (total === 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(viewport, rowHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(total - 1, first) - overscan);
  const end = Math.min(total, first + count + overscan);
  return { start, end: Math.max(start, end) };
}

/**
 * Column widths in `ch`, from the header and a sample of rows spread through the result. The table lays out with
 * fixed widths, so scrolling new rows into view never makes the browser measure every cell again.
 */
export function columnWidths(
  columns: readonly { name: string; type: string }[],
  rows: readonly Cell[][],
  sample = 400,
  min = 6,
  max = 40,
): number[] {
  const step = Math.max(1, Math.floor(rows.length / sample));
  return columns.map((c, i) => {
    // Header: the name, or the type below it, plus room for the sort arrow.
    let w = Math.max(c.name.length + 3, c.type.length);
    for (let r = 0; r < rows.length; r += step) {
      const v = rows[r][i];
      const len = v === null ? 4 : String(v).length;
      if (len > w) w = len;
    }
    return Math.min(max, Math.max(min, w)) + 2; // + cell padding
  });
}
