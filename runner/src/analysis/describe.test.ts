import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisResult, AnalysisSpec, type DescribeResult } from '@simpul/protocol';
import { sampleStandardDeviation } from 'simple-statistics';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAnalysis } from './run-analysis.ts';
import { VEGA, openTestSource } from './test-source.ts';

type Penguin = Record<string, string | number | null>;
const FILE = join(VEGA, 'penguins.json');
const penguins: Penguin[] = JSON.parse(readFileSync(FILE, 'utf8'));
const NUMERIC = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];

const close = (a: number | null | undefined, b: number, what: string) =>
  assert.ok(
    a !== null && a !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)),
    `${what}: got ${a}, expected ${b}`,
  );

/** Linear-interpolation quantile on sorted values (R's type 7), written out independently of DuckDB. */
function quantile(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
}

async function describePenguins(extra: Record<string, unknown> = {}, minGroupSize?: number): Promise<DescribeResult> {
  const src = await openTestSource(FILE, { minGroupSize });
  try {
    const r = await runAnalysis(src, AnalysisSpec.parse({ analysis: 'describe', ...extra }));
    assert.ok(AnalysisResult.safeParse(JSON.parse(JSON.stringify(r))).success, 'result matches the protocol schema');
    assert.ok(src.progressLog.length >= 3 && src.progressLog.at(-1) === 100, 'progress reported up to 100');
    assert.equal(r.analysis, 'describe');
    return r as DescribeResult;
  } finally {
    src.close();
  }
}

test('describe on penguins.json matches statistics computed in plain JS', async () => {
  const r = await describePenguins({ bins: 10 });
  assert.is(r.rows_used, penguins.length);
  for (const name of NUMERIC) {
    const c = r.columns.find((x) => x.name === name);
    assert.ok(c, name);
    const values = penguins.map((p) => p[name]).filter((v): v is number => typeof v === 'number');
    const sorted = [...values].sort((a, b) => a - b);
    assert.is(c.count, values.length, `${name} count`);
    assert.is(c.nulls, penguins.length - values.length, `${name} nulls`);
    assert.is(c.distinct, new Set(values).size, `${name} distinct`);
    assert.is(c.min, sorted[0]);
    assert.is(c.max, sorted[sorted.length - 1]);
    close(c.mean, values.reduce((s, v) => s + v, 0) / values.length, `${name} mean`);
    close(c.sd, sampleStandardDeviation(values), `${name} sd`);
    close(c.q1, quantile(sorted, 0.25), `${name} q1`);
    close(c.median, quantile(sorted, 0.5), `${name} median`);
    close(c.q3, quantile(sorted, 0.75), `${name} q3`);

    const h = r.charts.histograms.find((x) => x.column === name);
    assert.ok(h, `${name} histogram`);
    assert.is(h.edges.length, 11);
    assert.is(h.counts.length, 10);
    const min = sorted[0];
    const w = (sorted[sorted.length - 1] - min) / 10;
    const expected = new Array(10).fill(0);
    for (const v of values) expected[Math.min(Math.floor((v - min) / w), 9)]++;
    assert.equal(h.counts, expected, `${name} histogram counts`);
    assert.is(h.edges[0], min);
    assert.is(h.edges[10], sorted[sorted.length - 1]);
  }
  for (const name of ['Species', 'Island', 'Sex']) {
    const c = r.columns.find((x) => x.name === name);
    assert.ok(c?.top, `${name} top values`);
    const counts = new Map<string, number>();
    for (const p of penguins) if (p[name] !== null) counts.set(String(p[name]), (counts.get(String(p[name])) ?? 0) + 1);
    const expected = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
    assert.equal(
      c.top.map((t) => [t.value, t.count]),
      expected,
      `${name} top values`,
    );
    assert.is(c.distinct, counts.size);
    assert.is(c.nulls, penguins.filter((p) => p[name] === null).length);
    assert.is(c.mean, null);
  }
});

test('describe honours the column list and a filter', async () => {
  const where = { sql: '"Species" = $1', params: ['Gentoo'] };
  const src = await openTestSource(FILE, { where });
  try {
    const r = (await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'describe', columns: ['Body Mass (g)'] }),
    )) as DescribeResult;
    const gentoo = penguins.filter((p) => p.Species === 'Gentoo');
    const mass = gentoo.map((p) => p['Body Mass (g)']).filter((v): v is number => typeof v === 'number');
    assert.is(r.rows_used, gentoo.length);
    assert.equal(
      r.columns.map((c) => c.name),
      ['Body Mass (g)'],
    );
    close(r.columns[0].mean, mass.reduce((s, v) => s + v, 0) / mass.length, 'filtered mean');
  } finally {
    src.close();
  }
});

test('describe with a minimum group size hides rare values and thin histogram bins', async () => {
  const k = 5;
  const r = await describePenguins({ bins: 30 }, k);
  const sex = r.columns.find((c) => c.name === 'Sex');
  assert.ok(sex?.top);
  assert.ok(!sex.top.some((t) => t.value === '.'), 'the value seen once is not listed');
  assert.ok(sex.top.every((t) => t.count >= k));
  let hidden = 0;
  for (const h of r.charts.histograms) {
    for (const c of h.counts) {
      assert.ok(c === null || c === 0 || c >= k, `bin count ${c} is below k`);
      if (c === null) hidden++;
    }
  }
  assert.ok(hidden > 0, 'some thin bins were suppressed');
});

test.run();
