// Tail probabilities and quantiles for model statistics, from jstat (not hand-written).
import jStat from 'jstat';

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
const clamp01 = (p: number): number => Math.min(1, Math.max(0, p));

/** Two-sided p-value of a t statistic with `df` degrees of freedom. */
export function tTwoSided(t: number, df: number): number | null {
  if (!Number.isFinite(t) || !(df > 0)) return null;
  return finite(clamp01(2 * jStat.studentt.cdf(-Math.abs(t), df)));
}

/** Two-sided p-value of a standard normal z statistic. */
export function zTwoSided(z: number): number | null {
  if (!Number.isFinite(z)) return null;
  return finite(clamp01(2 * jStat.normal.cdf(-Math.abs(z), 0, 1)));
}

/** Upper-tail p-value of an F statistic. */
export function fUpper(f: number, df1: number, df2: number): number | null {
  if (!Number.isFinite(f) || !(df1 > 0) || !(df2 > 0)) return null;
  // P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2): no cancellation in 1 - cdf when the p-value is tiny.
  return finite(clamp01(f <= 0 ? 1 : jStat.ibeta(df2 / (df2 + df1 * f), df2 / 2, df1 / 2)));
}

/** Upper-tail p-value of a chi-square statistic. */
export function chiSquareUpper(x: number, df: number): number | null {
  if (!Number.isFinite(x) || !(df > 0)) return null;
  return finite(clamp01(1 - jStat.chisquare.cdf(x, df)));
}

/** The (1 + level)/2 quantile of t with `df` degrees of freedom (e.g. 2.228 for level 0.95, df 10). */
export const tQuantile = (level: number, df: number): number => jStat.studentt.inv((1 + level) / 2, df);

/** The (1 + level)/2 quantile of the standard normal (1.959964 for level 0.95). */
export const zQuantile = (level: number): number => jStat.normal.inv((1 + level) / 2, 0, 1);
