// Primary and secondary suppression of count cells: small cells are withheld, and so is one more when a single withheld
// cell could be recovered from a total by subtraction.

/** A count from 1 to k−1 rows is small; 0 reveals nobody. null is a cell the op already withheld. */
export const isSmall = (n: number | null, k: number): boolean => n === null || (n > 0 && n < k);

/**
 * Which cells to withhold. Primary: the small ones. Secondary: when exactly one cell is withheld (and the cells add up
 * to a total that is shown), the smallest other non-empty cell is withheld too, so that the total minus the rest is a
 * sum of two cells, not one. Returns a mask, and whether the total must be withheld instead (no second cell to take).
 */
export function suppressionMask(
  counts: readonly (number | null)[],
  k: number,
): { mask: boolean[]; secondary: number; withholdTotal: boolean } {
  const mask = counts.map((n) => isSmall(n, k));
  const primary = mask.filter(Boolean).length;
  if (primary !== 1) return { mask, secondary: 0, withholdTotal: false };
  let pick = -1;
  counts.forEach((n, i) => {
    if (mask[i] || n === null || n <= 0) return;
    if (pick < 0 || n < (counts[pick] as number)) pick = i;
  });
  if (pick < 0) return { mask, secondary: 0, withholdTotal: true };
  mask[pick] = true;
  return { mask, secondary: 1, withholdTotal: false };
}

/** The (n, p) dominance rule: the top n contributions make more than p % of the cell's total (of absolute values). */
export function dominated(topN: number | null, absTotal: number | null, percent: number): boolean {
  if (topN === null || absTotal === null || absTotal <= 0) return false;
  return topN > (percent / 100) * absTotal;
}
