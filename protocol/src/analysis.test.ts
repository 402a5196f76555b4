import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AnalysisResult, AnalysisSpec } from './analysis.ts';
import { AnalysisParams, ExportParams } from './ops.ts';
import { TaskCreate } from './tasks.ts';

test('op 300 params: each analysis has its own fields and defaults', () => {
  const k = AnalysisParams.parse({ dataset: 'iris', analysis: 'kmeans', k: 3, features: ['a', 'b'] });
  assert.equal(k, {
    dataset: 'iris',
    analysis: 'kmeans',
    k: 3,
    features: ['a', 'b'],
    standardise: true,
    seed: 42,
    max_iterations: 100,
    sample_rows: 50_000,
    restarts: 3,
  });
  const d = AnalysisParams.parse({ dataset: 'iris', analysis: 'describe', where: { column: 'a', op: '>', value: 1 } });
  assert.equal(d, {
    dataset: 'iris',
    analysis: 'describe',
    where: { column: 'a', op: '>', value: 1 },
    bins: 20,
    top: 10,
  });
  const l = AnalysisParams.parse({
    dataset: 'iris',
    analysis: 'logistic_regression',
    target: 'species',
    positive: 'virginica',
    features: ['a'],
  });
  assert.is(l.analysis === 'logistic_regression' && l.test_pct, 0);
});

test('op 300 params: unknown fields, missing fields and fields of another analysis are refused', () => {
  const bad = [
    { dataset: 'iris', analysis: 'describe', k: 3 }, // a kmeans field
    { dataset: 'iris', analysis: 'kmeans', features: ['a'] }, // no k
    { dataset: 'iris', analysis: 'linear_regression', target: 'y', features: [] },
    { dataset: 'iris', analysis: 'group_by', group_by: ['a'], aggregates: [{ fn: 'sum' }] }, // sum of what?
    { dataset: 'iris', analysis: 'pca' },
    { analysis: 'describe' }, // no dataset
    { dataset: 'iris', analysis: 'logistic_regression', target: 'y', features: ['a'], test_pct: 95 },
  ];
  for (const b of bad) assert.not.ok(AnalysisParams.safeParse(b).success, JSON.stringify(b));
  assert.ok(
    AnalysisParams.safeParse({ dataset: 'iris', analysis: 'group_by', group_by: ['a'], aggregates: [{ fn: 'count' }] })
      .success,
  );
});

test('an export carries an analysis without its own dataset; tasks accept op 300 with the new params', () => {
  assert.ok(
    ExportParams.safeParse({
      dataset: 'iris',
      format: 'pdf',
      analysis: { analysis: 'correlation', method: 'spearman' },
    }).success,
  );
  assert.not.ok(
    ExportParams.safeParse({ dataset: 'iris', format: 'pdf', analysis: { analysis: 'correlation', dataset: 'iris' } })
      .success,
  );
  assert.ok(
    TaskCreate.safeParse({ op: 300, params: { dataset: 'iris', analysis: 'group_by', group_by: ['species'] } }).success,
  );
  assert.ok(AnalysisSpec.safeParse({ analysis: 'describe' }).success);
});

test('results are a union on `analysis`', () => {
  const r = AnalysisResult.safeParse({
    analysis: 'group_by',
    rows_used: 3,
    group_by: ['a'],
    aggregates: [],
    groups: [{ key: ['x'], count: 3, values: [], suppressed: false }],
    total_groups: 1,
    truncated: false,
    suppressed_groups: 0,
    charts: { bar: { labels: ['x'], values: [3], measure: 'count' } },
  });
  assert.ok(r.success);
  assert.not.ok(AnalysisResult.safeParse({ analysis: 'group_by', rows_used: 3 }).success);
});

test.run();
