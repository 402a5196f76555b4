import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AnalysisSpec,
  type CorrelationResult,
  type CorrelationStudyResult,
  type LinearRegressionResult,
  type LinearRegressionStudyResult,
  type LogisticRegressionResult,
  type LogisticRegressionStudyResult,
  type NewtonPartial,
} from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAnalysis } from '../analysis/run-analysis.ts';
import { VEGA, openTestSource, tempDir } from '../analysis/test-source.ts';
import { type Row, closeSites, openSites, runStudy, writeSplit } from './test-split.ts';

const tmp = tempDir();
const read = (name: string): Row[] => JSON.parse(readFileSync(join(VEGA, name), 'utf8'));
const cars = read('cars.json');
const penguins = read('penguins.json');
const carSplit = writeSplit(tmp.dir, 'cars', cars, Object.keys(cars[0]));
const penguinSplit = writeSplit(tmp.dir, 'penguins', penguins, Object.keys(penguins[0]));

const CAR_NUMBERS = ['Miles_per_Gallon', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Displacement'];
const TARGET = 'Miles_per_Gallon';
const FEATURES = ['Horsepower', 'Weight_in_lbs', 'Acceleration'];
const LOGIT = { target: 'Sex', positive: 'MALE', features: ['Body Mass (g)', 'Beak Depth (mm)', 'Beak Length (mm)'] };

let worst = 0; // the largest relative deviation from the pooled analyses, reported at the end
const rel = (a: number | null | undefined, b: number | null | undefined, tol: number, what: string) => {
  assert.ok(a !== null && a !== undefined && b !== null && b !== undefined, `${what}: got ${a}, expected ${b}`);
  const d = Math.abs(a - b) / Math.max(1e-300, Math.abs(b));
  worst = Math.max(worst, d);
  assert.ok(d <= tol, `${what}: got ${a}, expected ${b} (relative deviation ${d})`);
};

async function pooled<T>(
  file: string,
  spec: Record<string, unknown>,
  where?: { sql: string; params: unknown[] },
): Promise<T> {
  const src = await openTestSource(file, { where });
  try {
    return (await runAnalysis(src, AnalysisSpec.parse(spec))) as T;
  } finally {
    src.close();
  }
}

test('the site files are unequal', () => {
  assert.equal(
    carSplit.rows.map((r) => r.length),
    [203, 122, 81],
  );
});

test('correlation over three sites equals the pooled Pearson matrix (1e-9 relative)', async () => {
  const sites = await openSites(carSplit.parts);
  try {
    const r = (await runStudy(sites, { analysis: 'correlation', columns: CAR_NUMBERS }))
      .result as CorrelationStudyResult;
    const p = await pooled<CorrelationResult>(carSplit.pooled, {
      analysis: 'correlation',
      columns: CAR_NUMBERS,
      method: 'pearson',
    });
    assert.is(r.rows_used, p.rows_used);
    assert.equal(r.columns, CAR_NUMBERS);
    r.pearson.forEach((row, i) =>
      row.forEach((v, j) => rel(v, p.pearson?.[i][j], 1e-9, `r(${CAR_NUMBERS[i]}, ${CAR_NUMBERS[j]})`)),
    );
    // Complete rows per site add up to the pooled count; each site's own matrix differs from the pooled one.
    assert.is(
      r.per_site.reduce((s, x) => s + x.n, 0),
      p.rows_used,
    );
    assert.ok(r.per_site.every((s) => s.pearson !== null && s.pearson[0][2] !== r.pearson[0][2]));
  } finally {
    closeSites(sites);
  }
});

test('linear regression over three sites equals the pooled fit (coefficients 1e-6, R² 1e-9)', async () => {
  const sites = await openSites(carSplit.parts);
  try {
    const { result, rounds } = await runStudy(sites, {
      analysis: 'linear_regression',
      target: TARGET,
      features: FEATURES,
    });
    const r = result as LinearRegressionStudyResult;
    const p = await pooled<LinearRegressionResult>(carSplit.pooled, {
      analysis: 'linear_regression',
      target: TARGET,
      features: FEATURES,
    });
    assert.is(rounds.length, 1);
    assert.is(r.rows_used, p.rows_used);
    assert.is(r.df, p.df);
    assert.equal(
      r.coefficients.map((c) => c.term),
      p.coefficients.map((c) => c.term),
    );
    r.coefficients.forEach((c, i) => {
      rel(c.estimate, p.coefficients[i].estimate, 1e-6, `${c.term} estimate`);
      rel(c.std_error, p.coefficients[i].std_error, 1e-6, `${c.term} std error`);
      rel(c.statistic, p.coefficients[i].statistic, 1e-6, `${c.term} t`);
    });
    rel(r.r2, p.r2, 1e-9, 'R²');
    rel(r.adj_r2, p.adj_r2, 1e-9, 'adjusted R²');
    rel(r.residual_se, p.residual_se, 1e-9, 'residual standard error');
    for (const k of ['f_statistic', 'log_likelihood', 'aic', 'bic'] as const) rel(r[k], p[k], 1e-9, k);
    assert.is(r.df_model, p.df_model);
    assert.ok(
      r.per_site.every((s) => s.coefficients !== null && s.coefficients.length === FEATURES.length + 1),
      'each site also has its own fit',
    );
  } finally {
    closeSites(sites);
  }
});

test('linear regression with a filter equals the pooled filtered fit', async () => {
  const sites = await openSites(carSplit.parts);
  try {
    const where = { column: 'Origin', op: '!=', value: 'Japan' };
    const r = (await runStudy(sites, { analysis: 'linear_regression', target: TARGET, features: FEATURES, where }))
      .result as LinearRegressionStudyResult;
    const p = await pooled<LinearRegressionResult>(
      carSplit.pooled,
      { analysis: 'linear_regression', target: TARGET, features: FEATURES },
      { sql: '"Origin" != $1', params: ['Japan'] },
    );
    assert.is(r.rows_used, p.rows_used);
    r.coefficients.forEach((c, i) => rel(c.estimate, p.coefficients[i].estimate, 1e-6, `${c.term} estimate`));
  } finally {
    closeSites(sites);
  }
});

test('collinear features are refused with a clear error', async () => {
  const sites = await openSites(carSplit.parts);
  try {
    const e = await runStudy(sites, {
      analysis: 'linear_regression',
      target: TARGET,
      features: ['Weight_in_lbs', 'Weight_in_lbs'],
    }).catch((x) => x);
    assert.is(e.code, 'invalid_params');
  } finally {
    closeSites(sites);
  }
});

test('logistic regression by Newton rounds equals the pooled fit (coefficients 1e-6)', async () => {
  const sites = await openSites(penguinSplit.parts);
  try {
    const { result, rounds, partials } = await runStudy(sites, { analysis: 'logistic_regression', ...LOGIT });
    const r = result as LogisticRegressionStudyResult;
    const p = await pooled<LogisticRegressionResult>(penguinSplit.pooled, {
      analysis: 'logistic_regression',
      ...LOGIT,
      test_pct: 0,
      l2: 0,
      max_rows: 1_000_000,
      max_iterations: 200,
    });
    assert.ok(p.converged && r.converged, 'both fits converge');
    assert.is(r.rows_used, p.n_train);
    assert.is(r.positive, 'MALE');
    assert.ok(rounds.length >= 3 && rounds.length === r.rounds, `${rounds.length} rounds`);
    console.log(`logistic: ${r.iterations} Newton steps in ${r.rounds} rounds`);
    assert.ok(rounds.every((x, i) => x.step === 'newton' && x.round === i + 1));
    assert.equal(rounds[0].step === 'newton' && rounds[0].coefficients, [0, 0, 0, 0]);
    assert.equal(
      r.coefficients.map((c) => c.term),
      p.coefficients.map((c) => c.term),
    );
    r.coefficients.forEach((c, i) => {
      rel(c.estimate, p.coefficients[i].estimate, 1e-6, `${c.term} estimate`);
      rel(c.std_error, p.coefficients[i].std_error, 1e-6, `${c.term} std error`);
    });
    for (const k of ['log_likelihood', 'null_log_likelihood', 'pseudo_r2', 'llr', 'aic', 'bic'] as const)
      rel(r[k], p[k], 1e-6, k);
    assert.is(r.df_resid, p.df_resid);
    // Only aggregates travelled: per site a count, a gradient, a Hessian and a log-likelihood, never a row.
    const last = partials.at(-1)?.map((x) => x.partial as NewtonPartial) ?? [];
    assert.equal(
      last.map((x) => x.n),
      r.per_site.map((s) => s.n),
    );
    assert.is(
      last.reduce((s, x) => s + x.n, 0),
      p.n_train,
    );
    const fields = [
      'analysis',
      'step',
      'study_id',
      'round',
      'rows',
      'target',
      'positive',
      'features',
      'coefficients',
      'n',
      'n_positive',
      'gradient',
      'hessian',
      'log_likelihood',
      'suppressed',
    ];
    for (const x of last) {
      assert.equal(Object.keys(x).sort(), [...fields].sort());
      assert.ok(x.gradient?.length === 4 && x.hessian?.length === 4 && x.hessian.every((row) => row.length === 4));
    }
  } finally {
    closeSites(sites);
  }
});

test('logistic regression: a site below its k is left out and named; separable or one-class data is refused', async () => {
  const sites = await openSites(penguinSplit.parts, (i) => (i === 2 ? 1000 : undefined));
  try {
    const r = (await runStudy(sites, { analysis: 'logistic_regression', ...LOGIT }))
      .result as LogisticRegressionStudyResult;
    assert.equal(r.suppressed_sites, ['hospital-c']);
    assert.is(r.per_site[2].suppressed, true);
    assert.is(r.rows_used, r.per_site[0].n + r.per_site[1].n);
    const one = await runStudy(sites, {
      analysis: 'logistic_regression',
      ...LOGIT,
      where: { column: 'Sex', op: '=', value: 'MALE' },
    }).catch((x) => x);
    assert.is(one.code, 'invalid_params');
    assert.match(one.message, /both classes/);
  } finally {
    closeSites(sites);
  }
});

test.after(() => {
  tmp.cleanup();
  console.log(`largest relative deviation from the pooled analyses: ${worst.toExponential(2)}`);
});
test.run();
