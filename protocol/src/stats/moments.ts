// Combining sites' column moments (summary) and their ranges and bin counts on shared edges (histogram).
import {
  type BinSpec,
  FederatedError,
  type HistogramPartial,
  type MomentsPartial,
  type RangePartial,
  type SitePartial,
  type StudySpecOf,
} from '../federated.ts';
import type { HistogramStudyResult, Quartiles, StudyHistogram, SummaryStudyResult } from '../federated-results.ts';

export interface Moments {
  n: number;
  mean: number;
  m2: number; // Σ(x − mean)²
  min: number;
  max: number;
}

export const EMPTY_MOMENTS: Moments = { n: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity };

/** The moments of the union of two disjoint sets of values (Chan, Golub and LeVeque's parallel update). */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  return {
    n,
    mean: a.mean + delta * (b.n / n),
    m2: a.m2 + b.m2 + delta * delta * ((a.n * b.n) / n),
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
  };
}

/** The entry for `name` in a site's partial; a partial without it does not answer the round. */
export function entryFor<T extends { column: string }>(entries: readonly T[], name: string, site: string): T {
  const e = entries.find((c) => c.column === name);
  if (!e)
    throw new FederatedError(
      'conflict',
      `site ${site} returned no entry for column "${name}"; it did not answer this round`,
    );
  return e;
}

const listSites = (sites: string[]) => sites.join(', ');
const sampleSd = (n: number | null, m2: number | null) =>
  n !== null && n > 1 && m2 !== null ? Math.sqrt(m2 / (n - 1)) : null;

export function combineSummary(spec: StudySpecOf<'summary'>, parts: SitePartial<MomentsPartial>[]): SummaryStudyResult {
  const warnings: string[] = [];
  const columns = spec.columns.map((name) => {
    let m = EMPTY_MOMENTS;
    const suppressed: string[] = [];
    const noExtremes: string[] = []; // sites whose release gate keeps row-level extremes
    for (const { site, partial } of parts) {
      const c = entryFor(partial.columns, name, site);
      if (c.suppressed) suppressed.push(site);
      else if (c.n && c.mean !== null && c.m2 !== null) {
        if (c.min === null || c.max === null) noExtremes.push(site);
        m = mergeMoments(m, { n: c.n, mean: c.mean, m2: c.m2, min: c.min ?? Infinity, max: c.max ?? -Infinity });
      }
    }
    if (suppressed.length)
      warnings.push(
        `${name}: ${listSites(suppressed)} held fewer values than their minimum group size and are left out of this column`,
      );
    if (noExtremes.length)
      warnings.push(
        `${name}: minimum and maximum withheld (${listSites(noExtremes)} keep row-level values under their policy)`,
      );
    const variance = m.n > 1 ? m.m2 / (m.n - 1) : null;
    return {
      name,
      count: m.n,
      mean: m.n ? m.mean : null,
      variance,
      sd: variance === null ? null : Math.sqrt(variance),
      min: m.n && !noExtremes.length ? m.min : null,
      max: m.n && !noExtremes.length ? m.max : null,
      suppressed_sites: suppressed,
    };
  });
  return {
    analysis: 'summary',
    rows_used: parts.reduce((s, p) => s + p.partial.rows, 0),
    sites: parts.map((p) => p.site),
    ...(warnings.length ? { warnings } : {}),
    columns,
    per_site: parts.map(({ site, partial }) => ({
      site,
      rows: partial.rows,
      columns: partial.columns.map((c) => ({
        name: c.column,
        count: c.n,
        mean: c.mean,
        sd: sampleSd(c.n, c.m2),
        min: c.min,
        max: c.max,
        suppressed: c.suppressed,
      })),
    })),
  };
}

/** Equal-width edges over [min, max] (one bin when min = max); the same edges at every site, bit for bit. */
export function histogramEdges(min: number, max: number, bins: number): number[] {
  if (min === max) return [min, max];
  const w = (max - min) / bins;
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * w));
}

/** Round 1 → round 2: the global range of each column, as bins for every site; null where no site has a value. */
export function sharedBins(spec: StudySpecOf<'histogram'>, parts: SitePartial<RangePartial>[]): (BinSpec | null)[] {
  return spec.columns.map((name) => {
    let min = Infinity;
    let max = -Infinity;
    for (const { site, partial } of parts) {
      const c = entryFor(partial.columns, name, site);
      if (c.suppressed || c.min === null || c.max === null) continue;
      min = Math.min(min, c.min);
      max = Math.max(max, c.max);
    }
    if (!Number.isFinite(min) || !Number.isFinite(max)) return null;
    return { column: name, min, max, bins: min === max ? 1 : spec.bins };
  });
}

/**
 * Quartiles from bin counts, the way quantile_cont interpolates order statistics, with the k-th value of a bin placed
 * evenly inside it. Each estimated order statistic lies in the same bin as the true one, so the error is below one bin width.
 */
export function quartilesFromBins(edges: number[], counts: number[]): Omit<Quartiles, 'approximate'> {
  const total = counts.reduce((s, c) => s + c, 0);
  if (total === 0) return { q1: null, median: null, q3: null };
  const orderStat = (k: number): number => {
    let before = 0;
    for (let b = 0; b < counts.length; b++) {
      if (k < before + counts[b]) return edges[b] + ((k - before + 0.5) / counts[b]) * (edges[b + 1] - edges[b]);
      before += counts[b];
    }
    return edges[edges.length - 1];
  };
  const q = (p: number) => {
    const h = (total - 1) * p;
    const lo = orderStat(Math.floor(h));
    return lo + (h - Math.floor(h)) * (orderStat(Math.ceil(h)) - lo);
  };
  return { q1: q(0.25), median: q(0.5), q3: q(0.75) };
}

const sameBins = (a: BinSpec, b: BinSpec) => a.min === b.min && a.max === b.max && a.bins === b.bins;

export function combineHistogram(
  spec: StudySpecOf<'histogram'>,
  parts: SitePartial<HistogramPartial>[],
): HistogramStudyResult {
  const warnings: string[] = [];
  const histograms = spec.columns.map((name): StudyHistogram => {
    const entries = parts.map(({ site, partial }) => ({ site, c: partial.columns.find((c) => c.column === name) }));
    const first = entries.find((e) => e.c)?.c;
    if (!first)
      return {
        column: name,
        edges: [],
        counts: [],
        suppressed_bins: [],
        outside: 0,
        quartiles: { q1: null, median: null, q3: null, approximate: true },
      };
    const counts: (number | null)[] = new Array<number>(first.bins).fill(0);
    const suppressedAt: string[][] = counts.map(() => []);
    let outside: number | null = 0;
    for (const { site, c } of entries) {
      if (!c)
        throw new FederatedError(
          'conflict',
          `site ${site} returned no bins for column "${name}"; it did not answer this round`,
        );
      if (!sameBins(c, first) || c.counts.length !== first.bins)
        throw new FederatedError('conflict', `site ${site} binned "${name}" on other edges than the study agreed`);
      c.counts.forEach((n, b) => {
        if (n === null) suppressedAt[b].push(site);
        counts[b] = n === null || counts[b] === null ? null : (counts[b] as number) + n;
      });
      outside = outside === null || c.below === null || c.above === null ? null : outside + c.below + c.above;
    }
    const suppressed_bins = suppressedAt.flatMap((sites, bin) => (sites.length ? [{ bin, sites }] : []));
    const edges = histogramEdges(first.min, first.max, first.bins);
    if (suppressed_bins.length) {
      const who = [...new Set(suppressed_bins.flatMap((s) => s.sites))];
      warnings.push(
        `${name}: ${suppressed_bins.length} bin(s) suppressed by ${listSites(who)} (fewer values than their minimum group size); quartiles left out`,
      );
    }
    if (outside !== 0)
      warnings.push(
        `${name}: ${outside ?? 'some'} value(s) fell outside the agreed range (the data changed between rounds)`,
      );
    const full = counts.every((n): n is number => n !== null);
    return {
      column: name,
      edges,
      counts,
      suppressed_bins,
      outside,
      quartiles: {
        ...(full ? quartilesFromBins(edges, counts) : { q1: null, median: null, q3: null }),
        approximate: true,
      },
    };
  });
  warnings.push('quartiles are interpolated inside the shared bins: approximate, within one bin width');
  return {
    analysis: 'histogram',
    rows_used: parts.reduce((s, p) => s + p.partial.rows, 0),
    sites: parts.map((p) => p.site),
    warnings,
    histograms,
    per_site: parts.map(({ site, partial }) => ({
      site,
      rows: partial.rows,
      histograms: partial.columns.map((c) => ({ column: c.column, counts: c.counts })),
    })),
  };
}
