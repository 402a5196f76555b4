// Pooled cross-products: correlation matrices and least-squares fits from sites' n, means and centred cross-products.
import { type CrossprodPartial, FederatedError, type SitePartial, type StudySpecOf } from '../federated.ts';
import { type Matrix, block, cholesky, choleskyInverse, choleskySolve, dot, mulVec } from './linalg.ts';
import type { CorrelationStudyResult, LinearRegressionStudyResult } from '../federated-results.ts';

/** n rows, their column means, and C = Σ(x − x̄)(x − x̄)ᵀ. */
export interface CrossStats {
  n: number;
  mean: number[];
  comoment: Matrix;
}

/** The statistics of the union of two disjoint sets of rows: C = Ca + Cb + δδᵀ·na·nb/n with δ = x̄b − x̄a. */
export function mergeCrossStats(a: CrossStats, b: CrossStats): CrossStats {
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const n = a.n + b.n;
  const delta = b.mean.map((m, i) => m - a.mean[i]);
  const f = (a.n * b.n) / n;
  return {
    n,
    mean: a.mean.map((m, i) => m + delta[i] * (b.n / n)),
    comoment: a.comoment.map((row, i) => row.map((c, j) => c + b.comoment[i][j] + delta[i] * delta[j] * f)),
  };
}

/** The same statistics as n, Σx and XᵀX (uncentred): Σx = n·x̄, XᵀX = C + n·x̄x̄ᵀ. */
export function rawCrossProducts(s: CrossStats): { n: number; sums: number[]; xtx: Matrix } {
  return {
    n: s.n,
    sums: s.mean.map((m) => s.n * m),
    xtx: s.comoment.map((row, i) => row.map((c, j) => c + s.n * s.mean[i] * s.mean[j])),
  };
}

const statsOf = (p: CrossprodPartial): CrossStats | null =>
  p.suppressed || p.mean === null || p.comoment === null || p.n === 0
    ? null
    : { n: p.n, mean: p.mean, comoment: p.comoment };

/** Every site's statistics merged, leaving out sites that suppressed theirs (named in `suppressed`). */
export function poolCrossprod(
  columns: string[],
  parts: SitePartial<CrossprodPartial>[],
): { stats: CrossStats; suppressed: string[] } {
  let stats: CrossStats = { n: 0, mean: columns.map(() => 0), comoment: columns.map(() => columns.map(() => 0)) };
  const suppressed: string[] = [];
  for (const { site, partial } of parts) {
    if (partial.columns.length !== columns.length || partial.columns.some((c, i) => c !== columns[i])) {
      throw new FederatedError(
        'conflict',
        `site ${site} returned cross-products of other columns than the study asked`,
      );
    }
    if (partial.suppressed) suppressed.push(site);
    const s = statsOf(partial);
    if (s) stats = mergeCrossStats(stats, s);
  }
  return { stats, suppressed };
}

/** Pearson correlations; null where a column is constant. */
export function correlationFrom(s: CrossStats): (number | null)[][] {
  const c = s.comoment;
  return c.map((row, i) =>
    row.map((v, j) => (c[i][i] > 0 && c[j][j] > 0 ? (i === j ? 1 : v / Math.sqrt(c[i][i] * c[j][j])) : null)),
  );
}

const suppressedNote = (sites: string[]) =>
  sites.length ? [`${sites.join(', ')} held fewer complete rows than their minimum group size and are left out`] : [];

export function combineCorrelation(
  spec: StudySpecOf<'correlation'>,
  parts: SitePartial<CrossprodPartial>[],
): CorrelationStudyResult {
  const { stats, suppressed } = poolCrossprod(spec.columns, parts);
  const warnings = suppressedNote(suppressed);
  return {
    analysis: 'correlation',
    rows_used: stats.n,
    sites: parts.map((p) => p.site),
    ...(warnings.length ? { warnings } : {}),
    columns: spec.columns,
    means: stats.mean.map((m) => (stats.n ? m : null)),
    sds: stats.comoment.map((row, i) => (stats.n > 1 ? Math.sqrt(row[i] / (stats.n - 1)) : null)),
    pearson: stats.n ? correlationFrom(stats) : spec.columns.map(() => spec.columns.map(() => null)),
    suppressed_sites: suppressed,
    per_site: parts.map(({ site, partial }) => {
      const s = statsOf(partial);
      return {
        site,
        rows: partial.rows,
        n: partial.n,
        suppressed: partial.suppressed,
        pearson: s ? correlationFrom(s) : null,
      };
    }),
  };
}

export interface LeastSquares {
  n: number;
  coefficients: number[]; // intercept first
  std_errors: number[];
  rss: number;
  tss: number;
  df: number;
}

/**
 * Least squares of the last column on the others, with an intercept, from centred cross-products:
 * β = Cxx⁻¹·Cxy, intercept = ȳ − β·x̄, RSS = Cyy − β·Cxy, Cov(β) = σ²·Cxx⁻¹, Var(intercept) = σ²/n + x̄ᵀ·Cov(β)·x̄.
 * Throws `invalid_params` when there are too few rows or the features are collinear.
 */
export function leastSquares(s: CrossStats): LeastSquares {
  const p = s.mean.length - 1;
  if (s.n <= p + 1)
    throw new FederatedError(
      'invalid_params',
      `${s.n} complete rows; a model with ${p} feature(s) needs at least ${p + 2}`,
    );
  const l = cholesky(block(s.comoment, 0, 0, p, p));
  if (!l)
    throw new FederatedError(
      'invalid_params',
      'a feature is constant or a linear combination of other features; drop it and try again',
    );
  const cxy = s.comoment.slice(0, p).map((row) => row[p]);
  const tss = s.comoment[p][p];
  const beta = choleskySolve(l, cxy);
  const xbar = s.mean.slice(0, p);
  const rss = Math.max(0, tss - dot(beta, cxy));
  const df = s.n - p - 1;
  const sigma2 = rss / df;
  const cov = choleskyInverse(l).map((row) => row.map((v) => sigma2 * v));
  return {
    n: s.n,
    coefficients: [s.mean[p] - dot(beta, xbar), ...beta],
    std_errors: [Math.sqrt(sigma2 / s.n + dot(xbar, mulVec(cov, xbar))), ...cov.map((row, i) => Math.sqrt(row[i]))],
    rss,
    tss,
    df,
  };
}

/** Columns of the cross-products round of a linear regression: the features, then the target. */
export const linearColumns = (spec: Pick<StudySpecOf<'linear_regression'>, 'features' | 'target'>): string[] => [
  ...spec.features,
  spec.target,
];

export function combineLinear(
  spec: StudySpecOf<'linear_regression'>,
  parts: SitePartial<CrossprodPartial>[],
): LinearRegressionStudyResult {
  const { stats, suppressed } = poolCrossprod(linearColumns(spec), parts);
  const fit = leastSquares(stats);
  const r2 = fit.tss > 0 ? 1 - fit.rss / fit.tss : null;
  const p = spec.features.length;
  // statsmodels' OLS: F = (ESS / p) / (RSS / df); Gaussian log-likelihood with σ² = RSS / n; k = p + 1 parameters.
  const fStat = fit.rss > 0 && fit.tss > 0 ? (fit.tss - fit.rss) / p / (fit.rss / fit.df) : null;
  const llf = fit.rss > 0 ? (-fit.n / 2) * (Math.log(2 * Math.PI) + Math.log(fit.rss / fit.n) + 1) : null;
  const warnings = suppressedNote(suppressed);
  const own = (partial: CrossprodPartial) => {
    const s = statsOf(partial);
    if (!s) return null;
    try {
      return leastSquares(s).coefficients;
    } catch {
      return null; // too few rows or collinear at that site alone: it has no fit of its own
    }
  };
  return {
    analysis: 'linear_regression',
    rows_used: stats.n,
    sites: parts.map((p) => p.site),
    ...(warnings.length ? { warnings } : {}),
    target: spec.target,
    features: spec.features,
    coefficients: fit.coefficients.map((estimate, i) => {
      const se = fit.std_errors[i];
      return {
        term: i === 0 ? '(intercept)' : spec.features[i - 1],
        estimate,
        std_error: Number.isFinite(se) ? se : null,
        statistic: Number.isFinite(se) && se > 0 ? estimate / se : null,
      };
    }),
    r2,
    adj_r2: r2 === null ? null : 1 - ((1 - r2) * (fit.n - 1)) / fit.df,
    residual_se: Math.sqrt(fit.rss / fit.df),
    df: fit.df,
    df_model: p,
    f_statistic: fStat,
    log_likelihood: llf,
    aic: llf === null ? null : -2 * llf + 2 * (p + 1),
    bic: llf === null ? null : -2 * llf + Math.log(fit.n) * (p + 1),
    suppressed_sites: suppressed,
    per_site: parts.map(({ site, partial }) => ({
      site,
      rows: partial.rows,
      n: partial.n,
      suppressed: partial.suppressed,
      coefficients: own(partial),
    })),
  };
}
