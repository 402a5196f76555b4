// jstat ships no types: the distribution functions used by runner/src/analysis/distributions.ts.
declare module 'jstat' {
  interface Cdf {
    cdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
  }
  const jStat: {
    studentt: Cdf;
    centralF: Cdf;
    normal: Cdf;
    chisquare: Cdf;
    /** Regularised incomplete beta function I_x(a, b). */
    ibeta(x: number, a: number, b: number): number;
  };
  export default jStat;
}
