// How a described column is best shown: readable bin labels, two bars for a two-valued column, no "top values" for
// an id-like one. Pure functions over the protocol's describe result, so that the rules are tested without a browser.
import type { DescribeColumn, Histogram } from '@simpul/protocol';
import { stat } from './format.ts';

/** A number for labels, with a true minus sign (U+2212), so that "−1,116 to −976" never reads as a range of hyphens. */
export function signed(v: number | null | undefined, digits = 4): string {
  return stat(v, digits).replace(/-/g, '−');
}

/** A histogram bin's label: "−1,116 to −976", "0 to 10". */
export function binLabel(low: number, high: number): string {
  return `${signed(low, 3)} to ${signed(high, 3)}`;
}

/** Bars of a histogram as shown: one per bin, or one per value when the column holds at most two values. */
export interface Bars {
  labels: string[];
  counts: (number | null)[];
  byValue: boolean; // one bar per value (not per bin)
}

/**
 * A numeric column with one or two distinct values (0/1 flags, yes/no coded as numbers) is drawn as a bar per value:
 * every row then holds the minimum (first bin) or the maximum (last bin), and twenty mostly empty bins would hide that.
 */
export function histogramBars(h: Histogram, column?: DescribeColumn): Bars {
  const n = h.counts.length;
  const lo = h.edges[0];
  const hi = h.edges[h.edges.length - 1];
  const distinct = column?.distinct ?? null;
  if (n > 0 && distinct !== null && distinct >= 1 && distinct <= 2 && lo !== undefined && hi !== undefined) {
    const middle = h.counts.slice(1, -1);
    // Only when the middle bins are really empty: a noised or rounded distinct count must not hide real values.
    if (middle.every((c) => c === 0 || c === null)) {
      if (lo === hi || n === 1) return { labels: [signed(lo)], counts: [sum(h.counts)], byValue: true };
      return { labels: [signed(lo), signed(hi)], counts: [h.counts[0], h.counts[n - 1]], byValue: true };
    }
  }
  return { labels: h.counts.map((_, i) => binLabel(h.edges[i], h.edges[i + 1])), counts: h.counts, byValue: false };
}

function sum(xs: (number | null)[]): number | null {
  return xs.some((x) => x === null) ? null : xs.reduce<number>((a, x) => a + (x ?? 0), 0);
}

/** Share of distinct values among the non-null ones above which a column is taken for an identifier. */
export const ID_LIKE_SHARE = 0.9;

/**
 * An identifier-like column (every value, or nearly every one, distinct): its "most frequent values" would list
 * values seen once each, which says nothing.
 */
export function isIdLike(c: DescribeColumn): boolean {
  const top = c.top ?? [];
  if (top.length > 1 && top.every((t) => t.count <= 1)) return true;
  if (c.count === null || c.distinct === null || c.count < 2) return false;
  return c.distinct >= ID_LIKE_SHARE * c.count;
}

/** The columns whose most frequent values are worth a list. */
export const topValueColumns = (columns: DescribeColumn[]): DescribeColumn[] =>
  columns.filter((c) => c.top && c.top.length > 0 && !isIdLike(c));
