import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { GroupByResult, LogisticRegressionResult } from '@simpul/protocol';
import { clusterScatter, confusionChart, correlationHeatmap, groupBarChart, histogramChart } from './chart-options.ts';

type Series = { type: string; data: unknown[]; name?: string }[];
const series = (o: Record<string, unknown>) => o.series as Series;

test('a histogram draws one bar per bin and says which bin is fullest; suppressed bins are gaps', () => {
  const c = histogramChart({ column: 'age', edges: [0, 10, 20, 30], counts: [4, null, 9] });
  assert.equal(series(c.option)[0].data, [4, null, 9]);
  assert.equal((c.option.xAxis as { data: string[] }).data, ['0 to 10', '10 to 20', '20 to 30']);
  assert.match(c.description, 'the fullest bin, 20 to 30, holds 9 rows');
  assert.match(c.description, '1 bins are suppressed');
  assert.equal((c.option.aria as { enabled: boolean }).enabled, true);
  assert.is(
    (c.option.tooltip as { renderMode: string }).renderMode,
    'richText',
    'no HTML tooltips under the strict CSP',
  );
});

test('a correlation heat map has a cell per pair and names the strongest off-diagonal pair', () => {
  const c = correlationHeatmap({
    method: 'pearson',
    columns: ['a', 'b', 'c'],
    values: [
      [1, 0.2, -0.9],
      [0.2, 1, null],
      [-0.9, null, 1],
    ],
  });
  assert.is(series(c.option)[0].data.length, 9);
  assert.ok(series(c.option)[0].data.some((d) => JSON.stringify(d) === '[2,0,-0.9]'));
  assert.match(c.description, 'strongest pair is a and c at -0.9');
});

test('many groups turn the bar chart on its side and cap it, saying so', () => {
  const labels = Array.from({ length: 80 }, (_, i) => `g${i}`);
  const g = {
    charts: { bar: { labels, values: labels.map((_, i) => i), measure: 'rows' } },
  } as unknown as GroupByResult;
  const c = groupBarChart(g, 50);
  assert.is(series(c.option)[0].data.length, 50);
  assert.is((c.option.yAxis as { type: string }).type, 'category');
  assert.match(c.description, 'the first 50 of 80 groups');
  assert.match(c.description, 'the largest of all 80 is g79 at 79 (not drawn)');
  assert.ok(c.height > 300);
  const few = groupBarChart({ charts: { bar: { labels: ['a', 'b'], values: [3, 9], measure: 'rows' } } } as never);
  assert.match(few.description, 'for 2 groups; the largest is b at 9.');
});

test('a histogram of negative values and a two-valued column read well', () => {
  const neg = histogramChart({ column: 'delay', edges: [-1116, -976, -836], counts: [3, 5] });
  assert.equal((neg.option.xAxis as { data: string[] }).data, ['−1,116 to −976', '−976 to −836']);
  assert.match(neg.description, 'from −1,116 to −836');
  const counts = [60, 0, 0, 0, 40];
  const flag = histogramChart(
    { column: 'smoker', edges: [0, 0.2, 0.4, 0.6, 0.8, 1], counts },
    {
      name: 'smoker',
      type: 'INTEGER',
      kind: 'number',
      count: 100,
      nulls: 0,
      distinct: 2,
      min: 0,
      max: 1,
      mean: 0.4,
      sd: null,
      q1: null,
      median: null,
      q3: null,
    },
  );
  assert.equal(series(flag.option)[0].data, [60, 40]);
  assert.match(flag.description, 'Bar chart of smoker, which holds two values, 0 and 1; the larger, 0, holds 60 rows.');
});

test('clusters become one coloured series each', () => {
  const c = clusterScatter(
    { x: [0, 1, 2, 3], y: [0, 1, 2, 3], x_label: 'PC1', y_label: 'PC2', group: [0, 1, 1, 2] },
    3,
  );
  assert.equal(
    series(c.option).map((s) => s.data.length),
    [1, 2, 1],
  );
  assert.match(c.description, 'cluster 2 has 2 points');
});

test('the confusion matrix reads actual by predicted', () => {
  const r = {
    evaluated_on: 'test',
    charts: {
      confusion: {
        labels: ['no', 'yes'],
        matrix: [
          [5, 1],
          [2, 7],
        ],
      },
      roc: { fpr: [], tpr: [], auc: null },
    },
  } as unknown as LogisticRegressionResult;
  const c = confusionChart(r);
  assert.ok(
    series(c.option)[0].data.some((d) => JSON.stringify(d) === '[0,1,2]'),
    'actual yes (row 1), predicted no (column 0)',
  );
  assert.match(c.description, 'actual yes, predicted no: 2');
});

test.run();
