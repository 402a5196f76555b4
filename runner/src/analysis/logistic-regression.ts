// logistic_regression: seeded train/test split in DuckDB, Newton-Raphson fit in JS on a sample, scoring and ROC in DuckDB.
import type { ColumnInfo, LogisticRegressionResult } from '@simpul/protocol';
import { chiSquareUpper, zQuantile, zTwoSided } from './distributions.ts';
import { AnalysisError, checkAborted } from './errors.ts';
import { fitLogistic } from './logistic-fit.ts';
import { evaluate } from './logistic-evaluate.ts';
import {
  Sql,
  asDouble,
  column,
  count,
  distinct,
  num,
  numericColumn,
  quoteIdent,
  stepper,
  value,
  withRowHash,
} from './sql.ts';
import type { SpecOf, SqlSource } from './types.ts';

type Spec = SpecOf<'logistic_regression'>;
type Scalar = string | number | boolean;

/** The class to model: `positive` when given, else the larger of exactly two target values (true for booleans). */
async function positiveClass(src: SqlSource, target: ColumnInfo, o: Spec): Promise<Scalar> {
  if (o.positive !== undefined) return o.positive;
  if (target.kind === 'boolean') return true;
  const sql = new Sql(src);
  const q = quoteIdent(target.name);
  const rows = await src.query(
    `SELECT DISTINCT ${q} AS v FROM ${sql.from(q, [`${q} IS NOT NULL`])} ORDER BY v LIMIT 3`,
    sql.params,
  );
  const values = rows.map((r) => value(r.v));
  if (values.length !== 2) {
    const shown = values
      .slice(0, 2)
      .map((v) => JSON.stringify(v))
      .join(', ');
    throw new AnalysisError(
      'invalid_params',
      `target "${target.name}" has ${values.length > 2 ? 'more than two' : values.length} distinct value(s) (${shown}${values.length > 2 ? ', …' : ''}); give "positive": the class to model against all others`,
    );
  }
  return values[1] as Scalar;
}

export async function logisticRegression(src: SqlSource, o: Spec): Promise<LogisticRegressionResult> {
  distinct([o.target, ...o.features], 'target and features together');
  const target = column(src, o.target);
  const feats = o.features.map((f) => numericColumn(src, f, 'feature'));
  const p = feats.length;
  const step = stepper(src);
  step(0.02, 'classes', 0.1);
  const positive = await positiveClass(src, target, o);
  checkAborted(src.signal);

  /** The filtered complete rows as (y, x0..), each with a split flag `t` (true = held out). */
  const splitOf = (sql: Sql) => {
    const pos = sql.bind(positive);
    const base = sql.from(
      [`(${quoteIdent(target.name)} = ${pos})::INTEGER AS y`, ...feats.map((f, i) => `${asDouble(f)} AS x${i}`)].join(
        ', ',
      ),
      [`${quoteIdent(target.name)} IS NOT NULL`, ...feats.map((f) => `${asDouble(f)} IS NOT NULL`)],
    );
    const hashed = withRowHash(base, ['y', ...feats.map((_, i) => `x${i}`)], sql.bind(o.seed, 'BIGINT'));
    return `(SELECT *, h % 100 < ${sql.bind(o.test_pct, 'BIGINT')} AS t FROM ${hashed})`;
  };

  const s1 = new Sql(src);
  const [c] = await src.query(
    `SELECT count(*) FILTER (WHERE NOT t) AS n_train, count(*) FILTER (WHERE t) AS n_test, sum(y) FILTER (WHERE NOT t)::DOUBLE AS pos_train FROM ${splitOf(s1)}`,
    s1.params,
  );
  checkAborted(src.signal);
  const nTrain = count(c.n_train);
  const nTest = count(c.n_test);
  const posTrain = count(c.pos_train);
  if (nTrain < p + 2)
    throw new AnalysisError(
      'invalid_params',
      `${nTrain} complete training rows; ${p} feature(s) need at least ${p + 2}`,
    );
  if (posTrain === 0 || posTrain === nTrain) {
    throw new AnalysisError(
      'invalid_params',
      `every training row is ${posTrain === 0 ? 'not ' : ''}${JSON.stringify(positive)}; the model needs both classes`,
    );
  }
  step(0.1, 'training sample', 0.2);

  // Training rows, sampled by a second seeded hash when there are more than max_rows.
  const s2 = new Sql(src);
  // Ordered by the hash either way: the same rows in the same order give bit-identical fits for the same seed.
  const sample = nTrain > o.max_rows ? ` ORDER BY hash(h, 1) LIMIT ${s2.bind(o.max_rows, 'BIGINT')}` : ' ORDER BY h';
  const rows = await src.query(
    `SELECT y, ${feats.map((_, i) => `x${i}`).join(', ')} FROM ${splitOf(s2)} WHERE NOT t${sample}`,
    s2.params,
  );
  checkAborted(src.signal);
  const n = rows.length;
  const y = new Uint8Array(n);
  const cols = feats.map(() => new Float64Array(n));
  rows.forEach((r, i) => {
    y[i] = count(r.y) === 1 ? 1 : 0;
    for (let j = 0; j < p; j++) cols[j][i] = num(r[`x${j}`]) ?? 0;
  });
  rows.length = 0; // let the row objects go before the fit

  // Standardise on the training sample (a constant feature keeps scale 1 and is caught as singular by the fit).
  const centre = cols.map((col) => (o.standardise ? col.reduce((s, v) => s + v, 0) / n : 0));
  const scale = cols.map((col, j) => {
    if (!o.standardise) return 1;
    const sd = Math.sqrt(col.reduce((s, v) => s + (v - centre[j]) ** 2, 0) / Math.max(1, n - 1));
    return sd > 0 ? sd : 1;
  });
  cols.forEach((col, j) => col.forEach((v, i) => (col[i] = (v - centre[j]) / scale[j])));
  step(0.2, 'fitting');
  const fit = await fitLogistic(cols, y, o.l2, o.max_iterations, src.signal, (it, rows) => {
    // Newton's method usually converges in a handful of iterations: the bar assumes 8 and slows down past them.
    const done = (it - 1 + rows) / Math.min(o.max_iterations, 8);
    step(0.2 + 0.5 * Math.min(0.95, done), `fitting: iteration ${it} of at most ${o.max_iterations}`);
  });
  checkAborted(src.signal);

  // Back to the features' own units: b = T·b_std with T = [[1, -m/s…], [0, diag(1/s)]]; Cov = T·Cov_std·Tᵀ.
  const T = Array.from({ length: p + 1 }, (_, a) =>
    Array.from({ length: p + 1 }, (_, b) =>
      a === 0 ? (b === 0 ? 1 : -centre[b - 1] / scale[b - 1]) : a === b ? 1 / scale[a - 1] : 0,
    ),
  );
  const coef = T.map((row) => row.reduce((s, t, b) => s + t * fit.coef[b], 0));
  const variance = (a: number) =>
    fit.cov
      ? T[a].reduce((s, ta, i) => s + ta * T[a].reduce((u, tb, j) => u + (fit.cov as number[][])[i][j] * tb, 0), 0)
      : NaN;
  // Wald inference from the inverse Fisher information; left out for a penalised (l2 > 0) fit.
  const inference = o.l2 === 0;
  const zq = zQuantile(0.95);
  const coefficients = coef.map((estimate, a) => {
    const se = Math.sqrt(variance(a));
    const ok = Number.isFinite(se);
    const statistic = ok && se > 0 ? estimate / se : null;
    const lo = inference && ok ? estimate - zq * se : null;
    const hi = inference && ok ? estimate + zq * se : null;
    const exp = (v: number | null) => (v === null || !Number.isFinite(Math.exp(v)) ? null : Math.exp(v));
    return {
      term: a === 0 ? '(intercept)' : feats[a - 1].name,
      estimate,
      std_error: ok ? se : null,
      statistic,
      ...(inference
        ? {
            p_value: statistic === null ? null : zTwoSided(statistic),
            ci_low: lo,
            ci_high: hi,
          }
        : {}),
      ...(a > 0
        ? { odds_ratio: exp(estimate), ...(inference ? { or_ci_low: exp(lo), or_ci_high: exp(hi) } : {}) }
        : {}),
    };
  });
  // Model statistics on the fitted rows (statsmodels' Logit): k = p + 1 parameters.
  const positives = y.reduce((s, v) => s + v, 0);
  const nullLl0 = positives * Math.log(positives / n) + (n - positives) * Math.log((n - positives) / n);
  const nullLl = Number.isFinite(nullLl0) ? nullLl0 : null;
  const llf = Number.isFinite(fit.logLik) ? fit.logLik : null;
  const llr = llf === null || nullLl === null ? null : 2 * (llf - nullLl);
  const modelStats = {
    df_model: p,
    df_resid: n - p - 1,
    log_likelihood: llf,
    null_log_likelihood: nullLl,
    pseudo_r2: llf === null || !nullLl ? null : 1 - llf / nullLl,
    llr: inference ? llr : null,
    llr_p_value: inference && llr !== null ? chiSquareUpper(llr, p) : null,
    aic: inference && llf !== null ? -2 * llf + 2 * (p + 1) : null,
    bic: inference && llf !== null ? -2 * llf + Math.log(n) * (p + 1) : null,
  };
  const warnings: string[] = [];
  if (!fit.converged)
    warnings.push(
      `the fit did not converge in ${fit.iterations} iterations; the classes may be perfectly separable (try "l2": 1)`,
    );
  if (coef.some((b) => !Number.isFinite(b)))
    throw new AnalysisError(
      'op_failed',
      'the fit produced non-finite coefficients; try standardising or a positive "l2"',
    );

  step(0.7, 'scoring', 1);
  const evaluatedOn = nTest > 0 ? 'test' : 'train';
  const s3 = new Sql(src);
  const eta = `(${s3.bind(coef[0], 'DOUBLE')}${coef
    .slice(1)
    .map((b, j) => ` + ${s3.bind(b, 'DOUBLE')} * x${j}`)
    .join('')})`;
  const scored = `(SELECT y, ${eta} AS eta FROM ${splitOf(s3)} WHERE ${nTest > 0 ? 't' : 'NOT t'})`;
  const ev = await evaluate(src, s3, scored, o.threshold, [`not ${String(positive)}`, String(positive)]);
  step(1);
  return {
    analysis: 'logistic_regression',
    rows_used: nTrain + nTest,
    ...(warnings.length ? { warnings } : {}),
    target: target.name,
    positive,
    features: feats.map((f) => f.name),
    standardised: o.standardise,
    coefficients,
    converged: fit.converged,
    iterations: fit.iterations,
    n_train: nTrain,
    n_train_used: n,
    n_test: nTest,
    ...modelStats,
    evaluated_on: evaluatedOn,
    threshold: o.threshold,
    ...ev,
  };
}
