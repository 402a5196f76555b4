// linear_regression: least squares from centred cross-products computed in DuckDB, solved in JS; residuals in a second pass.
import type { LinearRegressionResult } from '@simpul/protocol';
import { fUpper, tQuantile, tTwoSided } from './distributions.ts';
import { AnalysisError, checkAborted } from './errors.ts';
import { dot, inverseWith, mulVec, solveWith, spd } from './linear-algebra.ts';
import { Sql, asDouble, count, distinct, num, numericColumn, stepper } from './sql.ts';
import type { SpecOf, SqlSource } from './types.ts';

export async function linearRegression(
  src: SqlSource,
  o: SpecOf<'linear_regression'>,
): Promise<LinearRegressionResult> {
  distinct([o.target, ...o.features], 'target and features together');
  const target = numericColumn(src, o.target, 'target');
  const feats = o.features.map((f) => numericColumn(src, f, 'feature'));
  const p = feats.length;
  const step = stepper(src);

  // Listwise deletion: a row counts only when the target and every feature have a value.
  const baseOf = (sql: Sql) =>
    sql.from(
      [`${asDouble(target)} AS y`, ...feats.map((f, i) => `${asDouble(f)} AS x${i}`)].join(', '),
      [target, ...feats].map((c) => `${asDouble(c)} IS NOT NULL`),
    );

  // Pass 1: means and population covariances (DuckDB's are numerically stable, unlike raw sums of products).
  const s1 = new Sql(src);
  const aggs = ['count(*) AS n', 'avg(y) AS my', 'var_pop(y) AS vy'];
  for (let i = 0; i < p; i++) {
    aggs.push(`avg(x${i}) AS m${i}`, `covar_pop(x${i}, y) AS cy${i}`);
    for (let j = i; j < p; j++) aggs.push(`covar_pop(x${i}, x${j}) AS c${i}_${j}`);
  }
  step(0.05, 'cross-products', 0.4);
  const [m] = await src.query(`SELECT ${aggs.join(', ')} FROM ${baseOf(s1)}`, s1.params);
  checkAborted(src.signal);
  const n = count(m.n);
  if (n <= p + 1)
    throw new AnalysisError(
      'invalid_params',
      `${n} complete rows; a model with ${p} feature(s) needs at least ${p + 2}`,
    );
  const means = feats.map((_, i) => num(m[`m${i}`]) ?? 0);
  const cov = feats.map((_, i) => feats.map((__, j) => num(m[i <= j ? `c${i}_${j}` : `c${j}_${i}`]) ?? 0));
  const cxy = feats.map((_, i) => num(m[`cy${i}`]) ?? 0);
  const chol = spd(cov);
  if (!chol)
    throw new AnalysisError(
      'invalid_params',
      'a feature is constant or a linear combination of other features; drop it and try again',
    );
  const beta = solveWith(chol, cxy);
  const intercept = (num(m.my) ?? 0) - dot(beta, means);
  step(0.4, 'residuals', 0.7);

  // Pass 2: residuals with the fitted coefficients bound as parameters.
  const s2 = new Sql(src);
  const fitted = `(${s2.bind(intercept, 'DOUBLE')} + ${beta.map((b, i) => `${s2.bind(b, 'DOUBLE')} * x${i}`).join(' + ')})`;
  const fitBase = `(SELECT y, ${fitted} AS f, y - ${fitted} AS r FROM ${baseOf(s2)})`;
  const [r] = await src.query(
    `SELECT q[1] AS q1, q[2] AS q2, q[3] AS q3, * EXCLUDE (q) FROM (SELECT min(r) AS rmin, max(r) AS rmax, quantile_cont(r, [0.25, 0.5, 0.75]) AS q, sum(r * r) AS rss, min(f) AS fmin, max(f) AS fmax FROM ${fitBase})`,
    s2.params,
  );
  checkAborted(src.signal);

  const rss = num(r.rss) ?? 0;
  const tss = n * (num(m.vy) ?? 0);
  const df = n - p - 1;
  const sigma2 = rss / df;
  // Cov(β) = σ² (XcᵀXc)⁻¹ with XcᵀXc = n·cov; Var(intercept) = σ²/n + x̄ᵀ Cov(β) x̄.
  const covBeta = inverseWith(chol, p).map((row) => row.map((v) => (sigma2 * v) / n));
  const seBeta = covBeta.map((row, i) => Math.sqrt(row[i]));
  const seIntercept = Math.sqrt(sigma2 / n + dot(means, mulVec(covBeta, means)));
  const tq = tQuantile(0.95, df);
  const coef = (term: string, estimate: number, se: number) => {
    const ok = Number.isFinite(se);
    const statistic = ok && se > 0 ? estimate / se : null;
    return {
      term,
      estimate,
      std_error: ok ? se : null,
      statistic,
      p_value: statistic === null ? null : tTwoSided(statistic, df),
      ci_low: ok ? estimate - tq * se : null,
      ci_high: ok ? estimate + tq * se : null,
    };
  };
  const r2 = tss > 0 ? 1 - rss / tss : null;
  // statsmodels' OLS: F = (ESS / p) / (RSS / df); Gaussian log-likelihood with σ² = RSS / n; k = p + 1 parameters.
  const fStat = rss > 0 && tss > 0 ? (tss - rss) / p / sigma2 : null;
  const llf = rss > 0 ? (-n / 2) * (Math.log(2 * Math.PI) + Math.log(rss / n) + 1) : null;

  let scatter: LinearRegressionResult['charts']['scatter'];
  if (o.sample_points > 0 && !src.minGroupSize) {
    // Individual rows are disclosive, so no scatter when the data owner set a minimum group size.
    step(0.7, 'scatter sample');
    const s3 = new Sql(src);
    const f3 = `(${s3.bind(intercept, 'DOUBLE')} + ${beta.map((b, i) => `${s3.bind(b, 'DOUBLE')} * x${i}`).join(' + ')})`;
    const text = `SELECT ${f3} AS f, y FROM (SELECT *, row_number() OVER () AS rn FROM ${baseOf(s3)}) ORDER BY hash(rn, ${s3.bind(o.seed, 'BIGINT')}) LIMIT ${s3.bind(o.sample_points, 'BIGINT')}`;
    const pts = await src.query(text, s3.params);
    checkAborted(src.signal);
    scatter = {
      x: pts.map((q) => num(q.f) ?? 0),
      y: pts.map((q) => num(q.y) ?? 0),
      x_label: 'fitted',
      y_label: target.name,
    };
  }
  const fmin = num(r.fmin);
  const fmax = num(r.fmax);
  step(1);
  return {
    analysis: 'linear_regression',
    rows_used: n,
    target: target.name,
    features: feats.map((f) => f.name),
    coefficients: [
      coef('(intercept)', intercept, seIntercept),
      ...beta.map((b, i) => coef(feats[i].name, b, seBeta[i])),
    ],
    r2,
    adj_r2: r2 === null ? null : 1 - ((1 - r2) * (n - 1)) / df,
    residual_se: Math.sqrt(sigma2),
    df,
    df_model: p,
    f_statistic: fStat,
    f_p_value: fStat === null ? null : fUpper(fStat, p, df),
    log_likelihood: llf,
    aic: llf === null ? null : -2 * llf + 2 * (p + 1),
    bic: llf === null ? null : -2 * llf + Math.log(n) * (p + 1),
    residuals: { min: num(r.rmin), q1: num(r.q1), median: num(r.q2), q3: num(r.q3), max: num(r.rmax) },
    charts: {
      ...(scatter ? { scatter } : {}),
      ...(fmin !== null && fmax !== null ? { fit_line: { x: [fmin, fmax], y: [fmin, fmax] } } : {}),
    },
  };
}
