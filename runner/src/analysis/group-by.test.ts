import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisResult, AnalysisSpec, type GroupByResult } from '@simpul/protocol';
import { median } from 'simple-statistics';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAnalysis } from './run-analysis.ts';
import { VEGA, openTestSource } from './test-source.ts';

type Penguin = Record<string, string | number | null>;
const FILE = join(VEGA, 'penguins.json');
const penguins: Penguin[] = JSON.parse(readFileSync(FILE, 'utf8'));
const MASS = 'Body Mass (g)';
const spec = {
  analysis: 'group_by',
  group_by: ['Species', 'Sex'],
  aggregates: [
    { fn: 'count', column: MASS },
    { fn: 'sum', column: MASS },
    { fn: 'mean', column: MASS },
    { fn: 'min', column: MASS },
    { fn: 'max', column: 'Island' },
    { fn: 'median', column: MASS },
  ],
};

async function groupPenguins(minGroupSize?: number, extra: Record<string, unknown> = {}): Promise<GroupByResult> {
  const src = await openTestSource(FILE, { minGroupSize });
  try {
    const r = await runAnalysis(src, AnalysisSpec.parse({ ...spec, ...extra }));
    assert.ok(AnalysisResult.safeParse(JSON.parse(JSON.stringify(r))).success, 'result matches the protocol schema');
    return r as GroupByResult;
  } finally {
    src.close();
  }
}

test('group_by matches groups computed in plain JS', async () => {
  const r = await groupPenguins();
  const groups = new Map<string, Penguin[]>();
  for (const p of penguins) {
    const key = JSON.stringify([p.Species, p.Sex]);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  assert.is(r.total_groups, groups.size);
  assert.is(r.groups.length, groups.size);
  assert.is(r.rows_used, penguins.length);
  assert.is(r.truncated, false);
  assert.equal(
    r.aggregates.map((a) => a.name),
    [
      'count(Body Mass (g))',
      'sum(Body Mass (g))',
      'mean(Body Mass (g))',
      'min(Body Mass (g))',
      'max(Island)',
      'median(Body Mass (g))',
    ],
  );
  for (const g of r.groups) {
    const rows = groups.get(JSON.stringify(g.key));
    assert.ok(rows, `group ${JSON.stringify(g.key)} exists`);
    const mass = rows.map((p) => p[MASS]).filter((v): v is number => typeof v === 'number');
    const sum = mass.reduce((s, v) => s + v, 0);
    assert.is(g.count, rows.length);
    assert.is(g.suppressed, false);
    assert.is(g.values[0], mass.length);
    if (mass.length === 0) {
      assert.equal(g.values.slice(1, 4), [null, null, null]);
      continue;
    }
    assert.is(g.values[1], sum);
    assert.ok(Math.abs((g.values[2] as number) - sum / mass.length) < 1e-9);
    assert.is(g.values[3], Math.min(...mass));
    assert.is(
      g.values[4],
      rows
        .map((p) => String(p.Island))
        .sort()
        .at(-1),
    );
    assert.is(g.values[5], median(mass));
  }
  // Ordered by the group values, nulls last.
  assert.equal(r.groups[0].key, ['Adelie', 'FEMALE']);
  assert.equal(r.groups[2].key, ['Adelie', null]);
  assert.is(r.charts.bar.labels.length, r.groups.length);
  assert.is(r.charts.bar.measure, 'count(Body Mass (g))'); // the first numeric aggregate
});

test('group_by sorts by count and truncates at limit', async () => {
  const r = await groupPenguins(undefined, { sort: 'count', limit: 2 });
  assert.is(r.groups.length, 2);
  assert.is(r.truncated, true);
  assert.ok((r.groups[0].count as number) >= (r.groups[1].count as number));
  assert.is(r.total_groups, 9);
});

test('k-suppression: groups smaller than k lose their aggregates', async () => {
  const k = 10;
  const r = await groupPenguins(k);
  const small = new Map<string, number>();
  for (const p of penguins)
    small.set(JSON.stringify([p.Species, p.Sex]), (small.get(JSON.stringify([p.Species, p.Sex])) ?? 0) + 1);
  const expectedHidden = [...small.values()].filter((n) => n < k).length;
  assert.ok(expectedHidden > 0, 'the data has small groups');
  assert.is(r.suppressed_groups, expectedHidden);
  for (const g of r.groups) {
    const n = small.get(JSON.stringify(g.key)) as number;
    if (n < k) {
      assert.is(g.suppressed, true);
      assert.is(g.count, null);
      assert.ok(
        g.values.every((v) => v === null),
        `values of ${JSON.stringify(g.key)} are hidden`,
      );
    } else {
      assert.is(g.suppressed, false);
      assert.is(g.count, n);
    }
  }
});

test('an unknown or non-numeric aggregate column is refused', async () => {
  const src = await openTestSource(FILE);
  try {
    const unknown = await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'group_by', group_by: ['Species'], aggregates: [{ fn: 'sum', column: 'Mass' }] }),
    ).catch((e) => e);
    assert.is(unknown.code, 'unknown_column');
    const text = await runAnalysis(
      src,
      AnalysisSpec.parse({
        analysis: 'group_by',
        group_by: ['Species'],
        aggregates: [{ fn: 'mean', column: 'Island' }],
      }),
    ).catch((e) => e);
    assert.is(text.code, 'invalid_params');
  } finally {
    src.close();
  }
});

test.run();
