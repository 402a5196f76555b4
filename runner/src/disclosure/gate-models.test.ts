// The release gate's rules for models and correlations, on hand-made results: linear and logistic regressions, k-means
// and correlation. The other rule families are in gate.test.ts.
import type { KmeansResult, LinearRegressionResult, LogisticRegressionResult } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { K5, all, gate, refused } from './gate-fixtures.ts';

test('models: refused under k rows or with more parameters than a third of the rows; residual extremes withheld', () => {
  const lin = (n: number, features: string[]): LinearRegressionResult => ({
    analysis: 'linear_regression',
    rows_used: n,
    target: 'salary',
    features,
    coefficients: [],
    r2: 0.5,
    adj_r2: 0.4,
    residual_se: 1,
    df: n - features.length - 1,
    residuals: { min: -5, q1: -1, median: 0, q3: 1, max: 7 },
    charts: { scatter: { x: [1], y: [2], x_label: 'fitted', y_label: 'actual' } },
  });
  refused(() => gate(K5).analysis(lin(3, ['age']), all(3)), /at least 5 rows/);
  refused(() => gate(K5).analysis(lin(8, ['age', 'bonus']), all(8)), /three rows per parameter/);
  const ok = gate(K5).analysis(lin(9, ['age', 'bonus']), all(9)) as LinearRegressionResult;
  assert.equal([ok.residuals.min, ok.residuals.max, ok.residuals.median], [null, null, 0]);
  assert.equal(ok.charts, {}, 'no fitted-vs-actual points');
});

test('models: the summary statistics (p-values, intervals, F, log-likelihood, AIC/BIC) leave as they are', () => {
  const coef = {
    term: 'age',
    estimate: 0.5,
    std_error: 0.1,
    statistic: 5,
    p_value: 1e-5,
    ci_low: 0.3,
    ci_high: 0.7,
  };
  const stats = { df_model: 1, f_statistic: 25, f_p_value: 1e-5, log_likelihood: -40, aic: 84, bic: 88 };
  const lin: LinearRegressionResult = {
    analysis: 'linear_regression',
    rows_used: 30,
    target: 'salary',
    features: ['age'],
    coefficients: [coef],
    r2: 0.5,
    adj_r2: 0.48,
    residual_se: 1,
    df: 28,
    ...stats,
    residuals: { min: -5, q1: -1, median: 0, q3: 1, max: 7 },
    charts: {},
  };
  const out = gate(K5).analysis(lin, all(30)) as LinearRegressionResult;
  assert.equal(out.coefficients, [coef]);
  for (const [k, v] of Object.entries(stats)) assert.is(out[k as keyof typeof stats], v, k);
});

test('logistic: under rounded counts the null log-likelihood and what gives it back are withheld', () => {
  const r = {
    analysis: 'logistic_regression',
    rows_used: 100,
    target: 'y',
    positive: true,
    features: ['age'],
    standardised: false,
    coefficients: [],
    converged: true,
    iterations: 5,
    n_train: 100,
    n_train_used: 100,
    n_test: 0,
    log_likelihood: -50,
    null_log_likelihood: -60,
    pseudo_r2: 1 / 6,
    llr: 20,
    llr_p_value: 1e-5,
    aic: 104,
    bic: 109,
    evaluated_on: 'train',
    threshold: 0.5,
    metrics: { accuracy: 0.9, precision: 0.8, recall: 0.7, f1: 0.75, auc: 0.8 },
    confusion: { tp: 30, fp: 10, tn: 40, fn: 20 },
    charts: {
      roc: { fpr: [], tpr: [], auc: 0.8 },
      confusion: {
        labels: ['false', 'true'],
        matrix: [
          [40, 10],
          [20, 30],
        ],
      },
    },
  } satisfies LogisticRegressionResult;
  const exact = gate(K5).analysis(r, all(100)) as LogisticRegressionResult;
  assert.equal([exact.null_log_likelihood, exact.pseudo_r2, exact.llr, exact.aic], [-60, 1 / 6, 20, 104]);
  const rounded = gate({ ...K5, counts: 'round', round_base: 10 }).analysis(r, all(100)) as LogisticRegressionResult;
  assert.equal(
    [rounded.null_log_likelihood, rounded.pseudo_r2, rounded.llr, rounded.llr_p_value],
    [null, null, null, null],
  );
  assert.equal([rounded.log_likelihood, rounded.aic, rounded.bic], [-50, 104, 109], 'model statistics stay');
});

test('logistic: a small confusion cell takes a second with it, metrics and ROC are withheld; beside empty cells all go', () => {
  const fit = (tp: number, fp: number, tn: number, fn: number): LogisticRegressionResult => ({
    analysis: 'logistic_regression',
    rows_used: 100,
    target: 'y',
    positive: true,
    features: ['age'],
    standardised: false,
    coefficients: [],
    converged: true,
    iterations: 5,
    n_train: 100,
    n_train_used: 100,
    n_test: tp + fp + tn + fn,
    evaluated_on: 'test',
    threshold: 0.5,
    metrics: { accuracy: 0.9, precision: 0.8, recall: 0.7, f1: 0.75, auc: 0.8 },
    confusion: { tp, fp, tn, fn },
    charts: {
      roc: { fpr: [0, 0.5, 1], tpr: [0, 0.7, 1], auc: 0.8 },
      confusion: {
        labels: ['false', 'true'],
        matrix: [
          [tn, fp],
          [fn, tp],
        ],
      },
    },
  });
  const out = gate(K5).analysis(fit(20, 2, 30, 8), all(100)) as LogisticRegressionResult;
  assert.equal(out.confusion, { tp: 20, fp: null, tn: 30, fn: null });
  assert.is(out.metrics.accuracy, null);
  assert.equal(out.charts.roc.fpr, []);
  const lone = gate(K5).analysis(fit(0, 0, 0, 3), all(100)) as LogisticRegressionResult;
  assert.equal(lone.confusion, { tp: null, fp: null, tn: null, fn: null });
});

test('kmeans: a cluster under k loses its size and centroid, with a second; no per-row scatter', () => {
  const km: KmeansResult = {
    analysis: 'kmeans',
    rows_used: 60,
    k: 3,
    features: ['a', 'b'],
    standardised: true,
    centroids: [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    sizes: [40, 17, 3],
    silhouette: 0.5,
    silhouette_rows: 60,
    sample_rows: 60,
    iterations: 4,
    converged: true,
    charts: { scatter: { x: [1], y: [2], x_label: 'a', y_label: 'b', group: [0] } },
  };
  const out = gate(K5).analysis(km, all(60)) as KmeansResult;
  assert.equal(out.sizes, [40, null, null]);
  assert.equal(out.centroids, [
    [1, 2],
    [null, null],
    [null, null],
  ]);
  assert.equal(out.charts, {});
});

test('correlation from fewer than k rows is withheld', () => {
  const out = gate(K5).analysis(
    {
      analysis: 'correlation',
      rows_used: 4,
      columns: ['a', 'b'],
      pearson: [
        [1, 0.9],
        [0.9, 1],
      ],
      charts: { heatmaps: [] },
    },
    all(4),
  );
  assert.ok(out.analysis === 'correlation' && out.pearson!.flat().every((v) => v === null));
});

test.run();
