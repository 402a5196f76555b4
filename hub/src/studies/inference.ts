// p-values and 95 % intervals for a combined regression: protocol/src/stats may import only zod, so the distribution
// functions (jstat, as in runner/src/analysis/distributions.ts) are applied here, once the study is done.
import type { Coefficient, StudyResult } from '@simpul/protocol';
import jStat from 'jstat';

const finite = (v: number): number | null => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : null);
const tTwoSided = (t: number, df: number) => finite(2 * jStat.studentt.cdf(-Math.abs(t), df));
const zTwoSided = (z: number) => finite(2 * jStat.normal.cdf(-Math.abs(z), 0, 1));
/** P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2), without the cancellation of 1 - cdf. */
const fUpper = (f: number, d1: number, d2: number) => finite(jStat.ibeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2));
const chiSquareUpper = (x: number, df: number) => finite(1 - jStat.chisquare.cdf(x, df));
const expOrNull = (v: number | null) => (v === null || !Number.isFinite(Math.exp(v)) ? null : Math.exp(v));

function withIntervals(
  c: Coefficient,
  quantile: number,
  p: (stat: number) => number | null,
  odds: boolean,
): Coefficient {
  const se = c.std_error;
  const lo = se === null ? null : c.estimate - quantile * se;
  const hi = se === null ? null : c.estimate + quantile * se;
  return {
    ...c,
    p_value: c.statistic === null ? null : p(c.statistic),
    ci_low: lo,
    ci_high: hi,
    ...(odds ? { odds_ratio: expOrNull(c.estimate), or_ci_low: expOrNull(lo), or_ci_high: expOrNull(hi) } : {}),
  };
}

/** The result with p-values, intervals (and odds ratios) on its coefficients and the model tests' p-values. */
export function withInference(r: StudyResult): StudyResult {
  if (r.analysis === 'linear_regression') {
    if (!(r.df > 0)) return r;
    const q = jStat.studentt.inv(0.975, r.df);
    const p = r.df_model ?? r.features.length;
    return {
      ...r,
      coefficients: r.coefficients.map((c) => withIntervals(c, q, (t) => tTwoSided(t, r.df), false)),
      ...(r.f_statistic !== undefined
        ? { f_p_value: r.f_statistic === null ? null : fUpper(r.f_statistic, p, r.df) }
        : {}),
    };
  }
  if (r.analysis === 'logistic_regression') {
    const q = jStat.normal.inv(0.975, 0, 1);
    return {
      ...r,
      coefficients: r.coefficients.map((c, i) => withIntervals(c, q, zTwoSided, i > 0)),
      ...(r.llr !== undefined
        ? { llr_p_value: r.llr === null ? null : chiSquareUpper(r.llr, r.df_model ?? r.features.length) }
        : {}),
    };
  }
  return r;
}
