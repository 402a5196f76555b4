import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisSpec, type GroupByResult, type GroupByStudyResult } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAnalysis } from '../analysis/run-analysis.ts';
import { VEGA, openTestSource, tempDir } from '../analysis/test-source.ts';
import { type Row, closeSites, openSites, runStudy, writeSplit } from './test-split.ts';

const penguins: Row[] = JSON.parse(readFileSync(join(VEGA, 'penguins.json'), 'utf8'));
const COLUMNS = Object.keys(penguins[0]);
const MASS = 'Body Mass (g)';
const BEAK = 'Beak Length (mm)';
const tmp = tempDir();
const split = writeSplit(tmp.dir, 'penguins', penguins, COLUMNS);
const KEYS = ['Species', 'Sex'];
const AGGREGATES = [
  { fn: 'count' },
  { fn: 'count', column: MASS },
  { fn: 'sum', column: MASS },
  { fn: 'mean', column: MASS },
  { fn: 'mean', column: BEAK },
] as const;

const close = (a: unknown, b: unknown, what: string) =>
  assert.ok(
    (a === null && b === null) ||
      (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1e-300, Math.abs(b))),
    `${what}: got ${a}, expected ${b}`,
  );

async function pooledGroups(): Promise<GroupByResult> {
  const src = await openTestSource(split.pooled);
  try {
    const spec = { analysis: 'group_by', group_by: KEYS, aggregates: AGGREGATES.slice(1) };
    return (await runAnalysis(src, AnalysisSpec.parse(spec))) as GroupByResult;
  } finally {
    src.close();
  }
}

test('group_by over three sites equals group_by on the pooled file', async () => {
  const sites = await openSites(split.parts);
  try {
    const r = (await runStudy(sites, { analysis: 'group_by', group_by: KEYS, aggregates: [...AGGREGATES] }))
      .result as GroupByStudyResult;
    const pooled = await pooledGroups();
    assert.is(r.rows_used, penguins.length);
    assert.is(r.total_groups, pooled.total_groups);
    assert.is(r.suppressed_groups, 0);
    assert.equal(
      r.aggregates.map((a) => a.name),
      ['count', `count(${MASS})`, `sum(${MASS})`, `mean(${MASS})`, `mean(${BEAK})`],
    );
    // Same groups in the same order (by key, nulls last).
    assert.equal(
      r.groups.map((g) => g.key),
      pooled.groups.map((g) => g.key),
    );
    r.groups.forEach((g, i) => {
      const p = pooled.groups[i];
      const what = JSON.stringify(g.key);
      assert.is(g.count, p.count, `${what} count`);
      assert.is(g.values[0], p.count, `${what} count(*)`);
      g.values.slice(1).forEach((v, j) => close(v, p.values[j], `${what} ${r.aggregates[j + 1].name}`));
      assert.is(g.suppressed, false);
    });
    // Gentoo penguins live only in the last slice: the per-site breakdown shows which site holds which groups.
    assert.ok(r.per_site[0].groups.every((g) => g.key[0] !== 'Gentoo'));
    assert.ok(r.per_site[2].groups.every((g) => g.key[0] === 'Gentoo'));
  } finally {
    closeSites(sites);
  }
});

test('a group that a site holds fewer than k rows of is suppressed there, and the combined result says so', async () => {
  const k = 5;
  const sites = await openSites(split.parts, () => k);
  try {
    const r = (await runStudy(sites, { analysis: 'group_by', group_by: KEYS, aggregates: [...AGGREGATES] }))
      .result as GroupByStudyResult;
    const pooled = await pooledGroups();
    // Expected, straight from the site files' rows: which site holds 1..k-1 rows of which group.
    const small = new Map<string, string[]>();
    split.rows.forEach((rows, i) => {
      const n = new Map<string, number>();
      for (const p of rows)
        n.set(JSON.stringify([p.Species, p.Sex]), (n.get(JSON.stringify([p.Species, p.Sex])) ?? 0) + 1);
      for (const [key, c] of n) if (c < k) small.set(key, [...(small.get(key) ?? []), sites[i].site]);
    });
    assert.ok(small.size > 0, 'the split leaves small groups at some site');
    assert.is(r.suppressed_groups, small.size);
    for (const g of r.groups) {
      const key = JSON.stringify(g.key);
      const p = pooled.groups.find((x) => JSON.stringify(x.key) === key);
      if (small.has(key)) {
        assert.is(g.suppressed, true, `${key} suppressed`);
        assert.equal(g.suppressed_at, small.get(key));
        assert.is(g.count, null);
        assert.ok(g.values.every((v) => v === null));
      } else {
        assert.is(g.suppressed, false, `${key} not suppressed`);
        assert.is(g.count, p?.count);
        close(g.values[2], p?.values[1] ?? null, `${key} sum`);
      }
    }
    const suppressing = [...new Set([...small.values()].flat())];
    assert.ok(
      r.warnings?.some((w) => suppressing.every((s) => w.includes(s))),
      'a warning names the sites',
    );
    // The suppressing site's own cell carries no numbers.
    const [key, [site]] = [...small.entries()][0];
    const cell = r.per_site.find((s) => s.site === site)?.groups.find((g) => JSON.stringify(g.key) === key);
    assert.ok(cell?.suppressed && cell.count === null && cell.values.every((v) => v === null));
  } finally {
    closeSites(sites);
  }
});

test('too many groups at a site fails the round with a clear error', async () => {
  const sites = await openSites(split.parts.slice(0, 1));
  try {
    const e = await runStudy(sites, { analysis: 'group_by', group_by: [MASS], max_groups: 10 }).catch((x) => x);
    assert.is(e.code, 'invalid_params');
    assert.match(e.message, /allows 10/);
  } finally {
    closeSites(sites);
  }
});

test.after(() => tmp.cleanup());
test.run();
