import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisResult, AnalysisSpec, type LinearRegressionResult } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAnalysis } from './run-analysis.ts';
import { VEGA, openTestSource } from './test-source.ts';

const FILE = join(VEGA, 'cars.json');
const cars: Record<string, unknown>[] = JSON.parse(readFileSync(FILE, 'utf8'));
const TARGET = 'Miles_per_Gallon';
const FEATURES = ['Horsepower', 'Weight_in_lbs', 'Acceleration'];

/** Solves A·x = b by Gauss-Jordan elimination with partial pivoting; also returns A⁻¹. */
function gaussJordan(a: number[][], b: number[]): { x: number[]; inv: number[][] } {
  const n = a.length;
  const m = a.map((row, i) => [...row, b[i], ...a.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    const d = m[c][c];
    m[c] = m[c].map((v) => v / d);
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      m[r] = m[r].map((v, j) => v - f * m[c][j]);
    }
  }
  return { x: m.map((row) => row[n]), inv: m.map((row) => row.slice(n + 1)) };
}

/** Ordinary least squares the textbook way: β = (XᵀX)⁻¹Xᵀy on rows with every value present. */
function olsInJs(rows: Record<string, unknown>[]) {
  const complete = rows.filter((r) => [TARGET, ...FEATURES].every((c) => typeof r[c] === 'number'));
  const X = complete.map((r) => [1, ...FEATURES.map((f) => r[f] as number)]);
  const y = complete.map((r) => r[TARGET] as number);
  const p = X[0].length;
  const xtx = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p }, (_, j) => X.reduce((s, row) => s + row[i] * row[j], 0)),
  );
  const xty = Array.from({ length: p }, (_, i) => X.reduce((s, row, k) => s + row[i] * y[k], 0));
  const { x: beta, inv } = gaussJordan(xtx, xty);
  const resid = X.map((row, k) => y[k] - row.reduce((s, v, i) => s + v * beta[i], 0));
  const n = complete.length;
  const rss = resid.reduce((s, r) => s + r * r, 0);
  const mean = y.reduce((s, v) => s + v, 0) / n;
  const tss = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  const sigma2 = rss / (n - p);
  return {
    n,
    beta,
    se: inv.map((row, i) => Math.sqrt(sigma2 * row[i])),
    r2: 1 - rss / tss,
    resid: resid.sort((a, b) => a - b),
  };
}

const near = (a: number | null | undefined, b: number, rel: number, what: string) =>
  assert.ok(
    a !== null && a !== undefined && Math.abs(a - b) <= rel * Math.max(1e-12, Math.abs(b)),
    `${what}: got ${a}, expected ${b}`,
  );

async function fit(
  where?: { sql: string; params: unknown[] },
  extra: Record<string, unknown> = {},
): Promise<LinearRegressionResult> {
  const src = await openTestSource(FILE, { where });
  try {
    const r = await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'linear_regression', target: TARGET, features: FEATURES, ...extra }),
    );
    assert.ok(AnalysisResult.safeParse(JSON.parse(JSON.stringify(r))).success, 'result matches the protocol schema');
    return r as LinearRegressionResult;
  } finally {
    src.close();
  }
}

test('linear regression on cars.json matches a JS normal-equation solve', async () => {
  const r = await fit();
  const js = olsInJs(cars);
  assert.is(r.rows_used, js.n);
  assert.is(r.df, js.n - FEATURES.length - 1);
  assert.equal(
    r.coefficients.map((c) => c.term),
    ['(intercept)', ...FEATURES],
  );
  r.coefficients.forEach((c, i) => {
    near(c.estimate, js.beta[i], 1e-6, `${c.term} estimate`);
    near(c.std_error, js.se[i], 1e-6, `${c.term} std error`);
    near(c.statistic, js.beta[i] / js.se[i], 1e-6, `${c.term} t`);
  });
  near(r.r2, js.r2, 1e-9, 'R²');
  near(r.adj_r2, 1 - ((1 - js.r2) * (js.n - 1)) / (js.n - FEATURES.length - 1), 1e-9, 'adjusted R²');
  near(r.residuals.min, js.resid[0], 1e-6, 'min residual');
  near(r.residuals.max, js.resid[js.resid.length - 1], 1e-6, 'max residual');
  const h = (js.resid.length - 1) / 2;
  near(r.residuals.median, (js.resid[Math.floor(h)] + js.resid[Math.ceil(h)]) / 2, 1e-6, 'median residual');
  const sc = r.charts.scatter;
  assert.ok(sc && sc.x.length === Math.min(1000, js.n) && sc.y.length === sc.x.length, 'scatter of fitted vs actual');
  assert.ok(r.charts.fit_line);
});

test('linear regression with a filter uses only the matching rows; sample size is honoured', async () => {
  const r = await fit({ sql: '"Origin" = $1', params: ['USA'] }, { sample_points: 50 });
  const js = olsInJs(cars.filter((c) => c.Origin === 'USA'));
  assert.is(r.rows_used, js.n);
  near(r.coefficients[1].estimate, js.beta[1], 1e-6, 'filtered Horsepower');
  assert.is(r.charts.scatter?.x.length, 50);
});

test('collinear features and text targets are refused with a clear error', async () => {
  const src = await openTestSource(FILE);
  try {
    const dup = await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'linear_regression', target: TARGET, features: ['Horsepower', 'Horsepower'] }),
    ).catch((e) => e);
    assert.is(dup.code, 'invalid_params');
    const text = await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'linear_regression', target: 'Name', features: ['Horsepower'] }),
    ).catch((e) => e);
    assert.is(text.code, 'invalid_params');
    assert.match(text.message, /Name/);
  } finally {
    src.close();
  }
});

test('collinear data (one feature a multiple of another) is refused', async () => {
  const src = await openTestSource(FILE);
  try {
    // The same column under a computed relation: a view that adds a copy of Weight in kilograms.
    await src.query(`CREATE TEMP VIEW cars_kg AS SELECT *, "Weight_in_lbs" * 0.4536 AS weight_kg FROM ${src.relation}`);
    const kg = {
      ...src,
      relation: 'cars_kg',
      columns: [...src.columns, { name: 'weight_kg', type: 'DOUBLE', kind: 'number' as const }],
    };
    const e = await runAnalysis(
      kg,
      AnalysisSpec.parse({ analysis: 'linear_regression', target: TARGET, features: ['Weight_in_lbs', 'weight_kg'] }),
    ).catch((x) => x);
    assert.is(e.code, 'invalid_params');
    assert.match(e.message, /linear combination/);
  } finally {
    src.close();
  }
});

test.run();
