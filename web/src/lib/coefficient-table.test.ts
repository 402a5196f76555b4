import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coefficientTable, pValue } from './coefficient-table.ts';

test('an old result (no p-values or intervals) keeps the four columns it had', () => {
  const t = coefficientTable([{ term: '(intercept)', estimate: 1, std_error: 0.5, statistic: 2 }], 't');
  assert.equal(t.head, ['Term', 'Estimate', 'Std. error', 't']);
  assert.equal(t.rows, [['(intercept)', 1, 0.5, 2]]);
});

test('a logistic result shows p, the 95 % interval and odds ratios (none for the intercept)', () => {
  const t = coefficientTable(
    [
      { term: '(intercept)', estimate: 1, std_error: 0.5, statistic: 2, p_value: 0.045, ci_low: 0.02, ci_high: 1.98 },
      {
        term: 'age',
        estimate: 0.1,
        std_error: 0.01,
        statistic: 10,
        p_value: 1e-23,
        ci_low: 0.08,
        ci_high: 0.12,
        odds_ratio: 1.105,
        or_ci_low: 1.083,
        or_ci_high: 1.127,
      },
    ],
    'z',
    true,
  );
  assert.equal(t.head, [
    'Term',
    'Estimate',
    'Std. error',
    'z',
    'P>|z|',
    '95 % CI low',
    '95 % CI high',
    'Odds ratio',
    'OR CI low',
    'OR CI high',
  ]);
  assert.equal(t.rows[0], ['(intercept)', 1, 0.5, 2, 0.045, 0.02, 1.98, null, null, null]);
  assert.equal(t.rows[1][4], '<0.0001');
  assert.is(pValue(null), null);
});

test.run();
