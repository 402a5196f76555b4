import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AnalysisSpec,
  type DescribeResult,
  type HistogramStudyResult,
  type SummaryStudyResult,
} from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAnalysis } from '../analysis/run-analysis.ts';
import { VEGA, openTestSource, tempDir } from '../analysis/test-source.ts';
import { type Row, SITE_NAMES, closeSites, openSites, runStudy, writeSplit } from './test-split.ts';

const penguins: Row[] = JSON.parse(readFileSync(join(VEGA, 'penguins.json'), 'utf8'));
const COLUMNS = Object.keys(penguins[0]);
const NUMERIC = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
const tmp = tempDir();
const split = writeSplit(tmp.dir, 'penguins', penguins, COLUMNS);

const rel = (a: number | null | undefined, b: number | null | undefined, tol: number, what: string) =>
  assert.ok(
    a !== null &&
      a !== undefined &&
      b !== null &&
      b !== undefined &&
      Math.abs(a - b) <= tol * Math.max(1e-300, Math.abs(b)),
    `${what}: got ${a}, expected ${b}`,
  );

async function pooledDescribe(where?: { sql: string; params: unknown[] }, bins = 20): Promise<DescribeResult> {
  const src = await openTestSource(split.pooled, { where });
  try {
    return (await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'describe', columns: NUMERIC, bins }),
    )) as DescribeResult;
  } finally {
    src.close();
  }
}

test('the three site files are unequal slices of the whole', () => {
  const sizes = split.rows.map((r) => r.length);
  assert.equal(sizes, [172, 103, 69]);
  assert.is(
    sizes.reduce((s, n) => s + n, 0),
    penguins.length,
  );
});

test('summary over three sites equals describe on the pooled file (1e-9 relative)', async () => {
  const sites = await openSites(split.parts);
  try {
    const { result, rounds } = await runStudy(sites, { analysis: 'summary', columns: NUMERIC });
    const r = result as SummaryStudyResult;
    const pooled = await pooledDescribe();
    assert.is(rounds.length, 1);
    assert.is(r.rows_used, penguins.length);
    assert.equal(r.sites, SITE_NAMES);
    for (const name of NUMERIC) {
      const c = r.columns.find((x) => x.name === name);
      const p = pooled.columns.find((x) => x.name === name);
      assert.ok(c && p, name);
      assert.is(c.count, p.count, `${name} count`);
      rel(c.mean, p.mean, 1e-9, `${name} mean`);
      rel(c.sd, p.sd, 1e-9, `${name} sd`);
      rel(c.variance, (p.sd as number) ** 2, 1e-9, `${name} variance`);
      assert.is(c.min, p.min, `${name} min`);
      assert.is(c.max, p.max, `${name} max`);
      assert.equal(c.suppressed_sites, []);
    }
    // The per-site breakdown holds each site's own numbers, and they add up.
    assert.equal(
      r.per_site.map((s) => s.rows),
      [172, 103, 69],
    );
    const mass = r.per_site.map((s) => s.columns.find((c) => c.name === 'Body Mass (g)')?.count ?? 0);
    assert.is(
      mass.reduce((s, n) => s + n, 0),
      r.columns.find((c) => c.name === 'Body Mass (g)')?.count,
    );
    assert.ok(new Set(r.per_site.map((s) => s.columns[0].mean)).size === 3, 'the sites differ');
  } finally {
    closeSites(sites);
  }
});

test('summary with a filter equals the pooled filtered describe', async () => {
  const sites = await openSites(split.parts);
  try {
    const where = { column: 'Island', op: '=', value: 'Biscoe' };
    const r = (await runStudy(sites, { analysis: 'summary', columns: NUMERIC, where })).result as SummaryStudyResult;
    const pooled = await pooledDescribe({ sql: '"Island" = $1', params: ['Biscoe'] });
    assert.is(r.rows_used, pooled.rows_used);
    assert.ok(r.rows_used < penguins.length && r.rows_used > 0);
    for (const name of NUMERIC) {
      const c = r.columns.find((x) => x.name === name);
      const p = pooled.columns.find((x) => x.name === name);
      assert.is(c?.count, p?.count);
      rel(c?.mean, p?.mean, 1e-9, `${name} mean`);
      rel(c?.sd, p?.sd, 1e-9, `${name} sd`);
    }
  } finally {
    closeSites(sites);
  }
});

test('a site with fewer values than its k is left out of the summary, and the result says so', async () => {
  // Site 3 holds 69 rows; its owner asks for at least 100 per aggregate.
  const sites = await openSites(split.parts, (i) => (i === 2 ? 100 : undefined));
  try {
    const r = (await runStudy(sites, { analysis: 'summary', columns: NUMERIC })).result as SummaryStudyResult;
    const twoSites = await openSites(split.parts.slice(0, 2));
    const without = (await runStudy(twoSites, { analysis: 'summary', columns: NUMERIC })).result as SummaryStudyResult;
    closeSites(twoSites);
    for (const c of r.columns) {
      assert.equal(c.suppressed_sites, ['hospital-c']);
      const w = without.columns.find((x) => x.name === c.name);
      assert.is(c.count, w?.count);
      rel(c.mean, w?.mean, 1e-12, `${c.name} mean without site 3`);
    }
    assert.ok(
      r.warnings?.some((w) => w.includes('hospital-c')),
      'a warning names the site',
    );
    const c3 = r.per_site[2].columns[0];
    assert.is(c3.suppressed, true);
    assert.is(c3.count, null);
    assert.is(c3.mean, null);
  } finally {
    closeSites(sites);
  }
});

test('histogram in two rounds equals the pooled histogram bin for bin; quartiles are approximate', async () => {
  const sites = await openSites(split.parts);
  try {
    const { result, rounds } = await runStudy(sites, { analysis: 'histogram', columns: NUMERIC, bins: 20 });
    const r = result as HistogramStudyResult;
    const pooled = await pooledDescribe(undefined, 20);
    assert.equal(
      rounds.map((x) => x.step),
      ['range', 'histogram'],
    );
    for (const name of NUMERIC) {
      const h = r.histograms.find((x) => x.column === name);
      const p = pooled.charts.histograms.find((x) => x.column === name);
      const stats = pooled.columns.find((x) => x.name === name);
      assert.ok(h && p && stats, name);
      assert.equal(h.edges, p.edges, `${name} edges`);
      assert.equal(h.counts, p.counts, `${name} counts`);
      assert.is(h.outside, 0);
      assert.equal(h.suppressed_bins, []);
      const width = h.edges[1] - h.edges[0];
      assert.is(h.quartiles.approximate, true);
      for (const [q, exact] of [
        [h.quartiles.q1, stats.q1],
        [h.quartiles.median, stats.median],
        [h.quartiles.q3, stats.q3],
      ] as const) {
        assert.ok(
          q !== null && exact !== null && Math.abs(q - exact) <= width,
          `${name} quartile ${q} within one bin (${width}) of ${exact}`,
        );
      }
      const perSite = r.per_site.map((s) => s.histograms.find((x) => x.column === name)?.counts as number[]);
      assert.equal(
        perSite[0].map((_, b) => perSite.reduce((s, c) => s + c[b], 0)),
        h.counts,
        `${name} per-site counts add up`,
      );
    }
    assert.ok(r.warnings?.some((w) => /approximate/.test(w)));
  } finally {
    closeSites(sites);
  }
});

test('a histogram bin that one site suppressed is null in the combined histogram and names the site', async () => {
  const sites = await openSites(split.parts, (i) => (i === 1 ? 5 : undefined));
  try {
    const r = (await runStudy(sites, { analysis: 'histogram', columns: ['Body Mass (g)'], bins: 20 }))
      .result as HistogramStudyResult;
    const h = r.histograms[0];
    const site2 = r.per_site[1].histograms[0].counts;
    const small = site2.flatMap((c, b) => (c === null ? [b] : []));
    assert.ok(small.length > 0, 'site 2 has bins with 1–4 penguins');
    assert.equal(
      h.suppressed_bins.map((s) => s.bin),
      small,
    );
    assert.ok(h.suppressed_bins.every((s) => s.sites.length === 1 && s.sites[0] === 'hospital-b'));
    for (const b of small) assert.is(h.counts[b], null);
    assert.is(h.quartiles.median, null);
    assert.ok(r.warnings?.some((w) => w.includes('hospital-b')));
  } finally {
    closeSites(sites);
  }
});

test('a round is stateless: running it again gives the same partial', async () => {
  const sites = await openSites(split.parts.slice(0, 1));
  try {
    const first = await runStudy(sites, { analysis: 'histogram', columns: NUMERIC });
    const again = await runStudy(sites, { analysis: 'histogram', columns: NUMERIC });
    assert.equal(again.partials, first.partials);
  } finally {
    closeSites(sites);
  }
});

test.after(() => tmp.cleanup());
test.run();
