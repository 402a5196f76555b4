// The release gate rule by rule, on hand-made results: what leaves, what is withheld, and what `disclosure` says.
// Models and correlations are in gate-models.test.ts; the shared helpers in gate-fixtures.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetPolicy, DescribeResult, GroupByResult, RowsResult } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskFailure } from '../errors.ts';
import { FACTS } from './facts.ts';
import { K5, all, gate, refused } from './gate-fixtures.ts';
import { RowLedger } from './ledger.ts';

const describeOf = (count: number): DescribeResult => ({
  analysis: 'describe',
  rows_used: count,
  columns: [
    {
      name: 'salary',
      type: 'DOUBLE',
      kind: 'number',
      count,
      nulls: 0,
      distinct: count,
      min: 30000,
      max: 123457.89,
      mean: 50000,
      sd: 9000,
      q1: 40000,
      median: 50000,
      q3: 60000,
    },
    {
      name: 'city',
      type: 'VARCHAR',
      kind: 'string',
      count,
      nulls: 0,
      distinct: 3,
      min: null,
      max: null,
      mean: null,
      sd: null,
      q1: null,
      median: null,
      q3: null,
      top: [
        { value: 'south', count: count - 13 },
        { value: 'north', count: 11 },
        { value: 'east', count: 2 },
      ],
    },
  ],
  charts: { histograms: [{ column: 'salary', edges: [0, 1, 2, 3, 4], counts: [count - 20, 12, 7, 1] }] },
});

const groupBy = (counts: number[]): GroupByResult => ({
  analysis: 'group_by',
  rows_used: counts.reduce((a, b) => a + b, 0),
  group_by: ['dept'],
  aggregates: [
    { name: 'sum(salary)', fn: 'sum', column: 'salary' },
    { name: 'max(salary)', fn: 'max', column: 'salary' },
  ],
  groups: counts.map((n, i) => ({ key: [`D${i}`], count: n, values: [n * 1000, 99999], suppressed: false })),
  total_groups: counts.length,
  truncated: false,
  suppressed_groups: 0,
  charts: { bar: { labels: counts.map((_, i) => `D${i}`), values: counts, measure: 'count' } },
});

test('no policy: results leave as computed, with no disclosure note', () => {
  const g = gate(undefined);
  const r = describeOf(300);
  assert.equal(g.analysis(r, all(300)), r);
  g.checkQuerySet({ filtered: true, selected: 1, total: 300 });
  assert.is(g.holds, false);
  assert.is(g.progress('12 of 300 rows'), '12 of 300 rows');
});

test('query-set size: both sides at least k, one message whichever side is small', () => {
  const g = gate(K5);
  g.checkQuerySet({ filtered: true, selected: 5, total: 10 });
  g.checkQuerySet(all(3)); // an unfiltered task has no complement to protect
  refused(() => g.checkQuerySet({ filtered: true, selected: Number.NaN, total: 300 }), /query-set rule/); // never measured: refused
  const one = refused(() => g.checkQuerySet({ filtered: true, selected: 1, total: 300 }), /query-set rule/);
  const allButOne = refused(() => g.checkQuerySet({ filtered: true, selected: 299, total: 300 }), /query-set rule/);
  const none = refused(() => g.checkQuerySet({ filtered: true, selected: 0, total: 300 }), /query-set rule/);
  assert.is(one, allButOne);
  assert.is(one, none);
  assert.not.match(one, /\b(1|299|0)\b/, 'the sizes are not told');
});

test('describe: extremes withheld, small columns withheld whole, top values and bins under k withheld with a second bin', () => {
  const out = gate(K5).analysis(describeOf(300), all(300)) as DescribeResult;
  const [salary, city] = out.columns;
  assert.equal([salary.min, salary.max], [null, null]);
  assert.is(salary.mean, 50000);
  assert.equal(
    city.top!.map((t) => t.value),
    ['south', 'north'],
    'east (2 rows) is withheld',
  );
  // bins: 280, 12, 7, 1 → the 1 is small; the smallest other non-empty bin (7) goes too.
  assert.equal(out.charts.histograms[0].counts, [280, 12, null, null]);
  assert.ok(out.disclosure!.rules_applied.includes('row_level'));
  assert.ok(out.disclosure!.rules_applied.includes('secondary_suppression'));
  const small = (gate(K5).analysis(describeOf(3), all(3)) as DescribeResult).columns[0];
  assert.is(small.suppressed, true);
  assert.equal([small.count, small.mean, small.median], [null, null, null]);
});

test('group_by: groups under k leave without keys; one more goes when one would follow from rows_used; min/max withheld', () => {
  const out = gate(K5).analysis(groupBy([40, 30, 2, 9]), all(81)) as GroupByResult;
  assert.equal(
    out.groups.map((g) => g.key[0]),
    ['D0', 'D1'],
    'D2 (2 rows) and the next smallest, D3, are withheld',
  );
  assert.is(out.suppressed_groups, 2);
  assert.is(out.suppressed_rows, 10, 'the 11 rows of the withheld groups, rounded to 5');
  assert.ok(
    out.groups.every((g) => g.values[1] === null),
    'max is a row-level value',
  );
  assert.equal(
    out.groups.map((g) => g.values[0]),
    [40000, 30000],
  );
  assert.not.ok(JSON.stringify(out).includes('D2'), 'no trace of the small key, not even in the chart');
  const two = gate(K5).analysis(groupBy([40, 1, 2]), all(43)) as GroupByResult;
  assert.is(two.suppressed_groups, 2, 'two small groups protect each other');
  assert.equal(
    two.groups.map((g) => g.count),
    [40],
  );
});

test('group_by with dominance: a sum that one row makes most of is withheld', () => {
  const r = groupBy([20, 30]);
  (r as unknown as Record<symbol, unknown>)[FACTS] = {
    groups: [
      { top: [19000, null], abs: [20000, null] },
      { top: [3000, null], abs: [30000, null] },
    ],
  };
  const out = gate({ ...K5, dominance: { n: 1, percent: 85 } }).analysis(r, all(50)) as GroupByResult;
  assert.equal(
    out.groups.map((g) => g.values[0]),
    [null, 30000],
  );
  assert.ok(out.disclosure!.rules_applied.includes('dominance'));
});

test('counts: round to the base; cell-key noise is deterministic, bounded, never below k, and follows the rows', () => {
  const rounded = gate({ ...K5, counts: 'round', round_base: 10 }).analysis(
    groupBy([41, 38, 26]),
    all(105),
  ) as GroupByResult;
  assert.equal(
    rounded.groups.map((g) => g.count),
    [40, 40, 30],
  );
  assert.is(rounded.rows_used, 110);
  assert.is(rounded.disclosure!.round_base, 10);
  const ck = (cellKey: number) => {
    const r = groupBy([41, 38, 26]);
    (r as unknown as Record<symbol, unknown>)[FACTS] = {
      groups: [{ cellKey }, { cellKey: cellKey + 1 }, { cellKey: cellKey + 2 }],
    };
    return gate({ ...K5, counts: 'cell_key' }).analysis(r, { ...all(105), cellKey }) as GroupByResult;
  };
  const a = ck(1234);
  assert.equal(ck(1234).groups, a.groups, 'the same cells, the same noise');
  assert.is(a.disclosure!.noise_bound, 2);
  a.groups.forEach((g, i) => assert.ok(Math.abs((g.count as number) - [41, 38, 26][i]) <= 2));
  // Over many different row sets the noise takes several values: removing a row changes it unpredictably.
  const noises = new Set(Array.from({ length: 50 }, (_, i) => (ck(i * 7919).groups[0].count as number) - 41));
  assert.ok(noises.size >= 3, [...noises].join(','));
  const tiny = gate({ min_group_size: 5, counts: 'cell_key' }).analysis(groupBy([5, 50]), {
    ...all(55),
    cellKey: 99,
  }) as GroupByResult;
  assert.ok(
    tiny.groups.every((g) => (g.count as number) >= 5),
    'noise never makes a shown cell look small',
  );
});

test('raw rows: max_rows per task and the daily budget per analyst, kept across restarts in the ledger file', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'simpul-ledger-')), 'row-ledger.jsonl');
  const page = (n: number): RowsResult => ({
    columns: [{ name: 'id', type: 'VARCHAR', kind: 'string' }],
    rows: Array.from({ length: n }, (_, i) => [`P${i}`]),
    total_rows: 300,
    matched_rows: 120,
    offset: 0,
  });
  const policy: DatasetPolicy = { ...K5, max_rows: 50, max_rows_per_day: 80 };
  const g = (who: string) => gate(policy, 200, { ledger: new RowLedger(file), requestedBy: who });
  const first = g('usr_a').rows(page(60), undefined);
  assert.is(first.rows.length, 50);
  assert.ok(first.disclosure!.rules_applied.includes('max_rows'));
  const second = g('usr_a').rows(page(60), undefined); // a new ledger reads the file: as after a restart
  assert.is(second.rows.length, 30);
  assert.ok(second.disclosure!.rules_applied.includes('max_rows_per_day'));
  refused(() => g('usr_a').rows(page(10), undefined), /daily row budget/);
  assert.is(g('usr_b').rows(page(10), undefined).rows.length, 10, 'each analyst has their own budget');
  refused(() => g('usr_b').exportRows(100), /lets 50 raw rows leave/);
  assert.is(g('usr_b').exportRows(20).rows, 20);
  refused(() => gate({ allow_ops: [300, 400] }, 400).exportRows(1), /no raw rows/);
});

test('errors from the data engine and progress with figures stay in the runner under a policy', () => {
  const g = gate(K5);
  const info = g.failure(new TaskFailure('op_failed', 'Conversion Error: could not convert "Zelda Quist" to DOUBLE'));
  assert.not.match(info.message, /Zelda/);
  assert.is(
    g.failure(new TaskFailure('unknown_column', 'no column "x"')).message,
    'no column "x"',
    'the runner’s own words pass',
  );
  assert.is(g.progress('12 of 300 rows match'), undefined);
  assert.is(g.progress('reading rows'), 'reading rows');
});

test('review: release review holds every op, { review: [ops] } only those; held results say so', () => {
  assert.is(gate({ release: 'review' }, 100).holds, true);
  assert.is(gate({ release: { review: [400] } }, 300).holds, false);
  const g = gate({ release: { review: [300] } }, 300);
  assert.is(g.holds, true);
  const held = g.analysis(describeOf(300), all(300)).disclosure!;
  assert.is(held.held_for_review, true);
  assert.ok(held.rules_applied.includes('review'));
});

test('federated partials: no extremes, ranges widened to round numbers, small bins and keys of small groups withheld', () => {
  const g = gate(K5);
  const moments = g.release({
    kind: 'partial',
    result: {
      analysis: 'federated_round',
      step: 'moments',
      rows: 300,
      columns: [{ column: 'salary', n: 300, mean: 50000, m2: 1, min: 30000, max: 123457.89, suppressed: false }],
    } as never,
  });
  assert.not.match(JSON.stringify(moments), /123457/);
  const range = g.release({
    kind: 'partial',
    result: {
      analysis: 'federated_round',
      step: 'range',
      rows: 300,
      columns: [{ column: 'salary', n: 300, min: 30355.25, max: 123457.89, suppressed: false }],
    } as never,
  });
  const col = (range as unknown as { result: { columns: { min: number; max: number }[] } }).result.columns[0];
  assert.ok(col.min < 30355.25 && col.max > 123457.89 && col.max % 1000 === 0, JSON.stringify(col));
  const groups = g.release({
    kind: 'partial',
    result: {
      analysis: 'federated_round',
      step: 'groups',
      rows: 60,
      group_by: ['dept'],
      columns: [],
      groups: [
        { key: ['A'], count: 50, n: [], sums: [], suppressed: false },
        { key: ['Z'], count: 2, n: [], sums: [], suppressed: false },
        { key: ['B'], count: 8, n: [], sums: [], suppressed: false },
      ],
    } as never,
  });
  const text = JSON.stringify(groups);
  assert.not.match(text, /"Z"/);
  assert.match(text, /"suppressed_groups":2/);
});

test.run();
