// Shared pieces of the rules: releasing one count with its cell key, and withholding a set of count cells with secondary suppression.
import { derivedKey, releaseCount } from './counts.ts';
import type { QuerySet } from './facts.ts';
import { suppressionMask } from './suppression.ts';
import type { Tally } from './tally.ts';

/**
 * Releases counts under the policy's count rule. A cell whose rows were keyed one by one brings its own cell key; any
 * other takes a key derived from the query set's and its label, so it still changes whenever the selected rows do.
 */
export function countReleaser(t: Tally, qs: QuerySet | undefined) {
  const parent = qs?.cellKey ?? 0;
  return (n: number, key: number | string): number =>
    releaseCount(n, t.policy, typeof key === 'number' ? key : derivedKey(parent, key));
}

/**
 * Withholds small cells and, where one withheld cell would follow from the total, one more. Returns the mask; counts
 * what it withheld (cells the op had already withheld, as null, count too).
 */
export function withholdCells(
  t: Tally,
  counts: readonly (number | null)[],
  what: string,
): { mask: boolean[]; withholdTotal: boolean } {
  const k = t.policy.k;
  const { mask, secondary, withholdTotal } = suppressionMask(counts, k);
  const primary = mask.filter(Boolean).length - secondary;
  // No other non-empty cell to withhold beside a single small one: the total would give it away, so every cell goes.
  if (withholdTotal) mask.fill(true);
  if (primary > 0) t.add('min_group_size', primary, `${what} from fewer than ${k} rows are withheld`);
  if (secondary > 0)
    t.add(
      'secondary_suppression',
      secondary,
      `one more of the ${what} is withheld, so that a withheld one does not follow from the total`,
    );
  if (withholdTotal)
    t.add(
      'secondary_suppression',
      mask.length - primary,
      `all ${what} are withheld: the others are empty, so the total would give the small one away`,
    );
  return { mask, withholdTotal };
}
