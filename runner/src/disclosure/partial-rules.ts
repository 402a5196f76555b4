// The gate's rules for federated partials: k (the site already masks small aggregates; the gate checks again), no key of
// a withheld group, one more group withheld where one would follow from the total, and no row-level extremes.
import type { FederatedPartial, GroupsPartial } from '@simpul/protocol';
import { roundedTotal } from './counts.ts';
import { niceRange } from './nice-range.ts';
import type { Tally } from './tally.ts';

export function releasePartial(p: FederatedPartial, t: Tally): FederatedPartial {
  const k = t.policy.k;
  switch (p.step) {
    case 'moments':
      // The combined minimum and maximum would be one person's values.
      if (p.columns.some((c) => c.min !== null || c.max !== null))
        t.add('row_level', 0, 'row-level values (minimum, maximum) are withheld');
      return { ...p, columns: p.columns.map((c) => ({ ...c, min: null, max: null })) };
    case 'range':
      // Histogram edges need a range; widened to round numbers it no longer gives the extremes away.
      t.add('row_level', 0, 'ranges are widened to round numbers, so that they do not give the extremes away');
      return {
        ...p,
        columns: p.columns.map((c) => {
          if (c.min === null || c.max === null) return c;
          const r = niceRange(c.min, c.max);
          return { ...c, min: r.min, max: r.max };
        }),
      };
    case 'histogram':
      return {
        ...p,
        columns: p.columns.map((c) => {
          const small = (n: number | null) => n !== null && n > 0 && n < k;
          const counts = c.counts.map((n) => (small(n) ? null : n));
          const withheld = counts.filter((n, i) => n === null && c.counts[i] !== null).length;
          if (withheld) t.add('min_group_size', withheld, `histogram bins from fewer than ${k} rows are withheld`);
          return { ...c, counts, below: small(c.below) ? null : c.below, above: small(c.above) ? null : c.above };
        }),
      };
    case 'groups':
      return groups(p, t);
    case 'crossprod':
    case 'newton':
      if (p.n > 0 && p.n < k && !p.suppressed) throw new Error('a partial from fewer than k rows was not masked'); // the step masks these itself
      return p;
  }
}

function groups(p: GroupsPartial, t: Tally): GroupsPartial {
  const k = t.policy.k;
  const small = p.groups.filter((g) => g.suppressed || g.count === null || g.count < k);
  let shown = p.groups.filter((g) => !small.includes(g));
  let withheld = Math.max(small.length, p.suppressed_groups ?? 0);
  let rows = (p.suppressed_rows ?? 0) + small.reduce((s, g) => s + (g.suppressed ? 0 : (g.count ?? 0)), 0);
  if (withheld === 1 && shown.length > 0) {
    const smallest = shown.reduce((a, b) => ((b.count ?? 0) < (a.count ?? 0) ? b : a));
    shown = shown.filter((g) => g !== smallest);
    rows += smallest.count ?? 0;
    withheld++;
    t.add(
      'secondary_suppression',
      1,
      'one more group is withheld, so that a withheld group does not follow from the total',
    );
  }
  if (withheld === 0) return p;
  t.add('min_group_size', withheld, `groups of fewer than ${k} rows are withheld, keys included`);
  t.suppressedRows = roundedTotal(rows, t.policy);
  return { ...p, groups: shown, suppressed_groups: withheld, suppressed_rows: t.suppressedRows };
}
