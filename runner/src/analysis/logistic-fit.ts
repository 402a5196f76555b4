// Logistic regression by Newton-Raphson (iteratively reweighted least squares) with an optional ridge penalty.
import { checkAborted } from './errors.ts';
import { inverseWith, solveWith, spd } from './linear-algebra.ts';

export interface LogitFit {
  coef: number[]; // intercept first
  cov: number[][] | null; // inverse of the (penalised) information matrix at the optimum
  iterations: number;
  converged: boolean;
  logLik: number; // log-likelihood at the optimum, without the penalty
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const ROWS_PER_TURN = 20_000; // rows per event-loop turn, so heartbeats keep flowing during a long fit

/** log(1 + e^x) without overflow. */
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** Called as a fit goes: the iteration (from 1) and the share (0–1) of its rows done so far. */
export type FitProgress = (iteration: number, rows: number) => void;

/**
 * `cols[j][i]` is feature j of row i, `y[i]` is 0 or 1. The penalty `l2` applies to slopes, not to the intercept.
 * Perfectly separable classes have no finite optimum: the fit then stops at `maxIterations` with `converged: false`.
 */
export async function fitLogistic(
  cols: Float64Array[],
  y: Uint8Array,
  l2: number,
  maxIterations: number,
  signal: AbortSignal,
  onProgress: FitProgress = () => {},
): Promise<LogitFit> {
  const n = y.length;
  const p = cols.length + 1;
  const x = (j: number, i: number) => (j === 0 ? 1 : cols[j - 1][i]);
  let coef = new Array<number>(p).fill(0);
  const eta = new Float64Array(n);

  const objective = async (b: number[]): Promise<number> => {
    let ll = 0;
    for (let i = 0; i < n; i++) {
      let e = b[0];
      for (let j = 1; j < p; j++) e += b[j] * cols[j - 1][i];
      eta[i] = e;
      ll += y[i] ? -softplus(-e) : -softplus(e);
      if (i % ROWS_PER_TURN === ROWS_PER_TURN - 1) await yieldToLoop();
    }
    for (let j = 1; j < p; j++) ll -= (l2 / 2) * b[j] * b[j];
    return ll;
  };

  /** Gradient and Hessian (negated, so positive definite) at the current `eta`; `iteration` for progress reports. */
  const derivatives = async (b: number[], iteration = 0) => {
    const g = new Array<number>(p).fill(0);
    const h = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    const row = new Float64Array(p);
    for (let i = 0; i < n; i++) {
      const mu = 1 / (1 + Math.exp(-eta[i]));
      const w = mu * (1 - mu);
      const r = y[i] - mu;
      for (let j = 0; j < p; j++) row[j] = x(j, i);
      for (let a = 0; a < p; a++) {
        g[a] += r * row[a];
        const wa = w * row[a];
        for (let c = a; c < p; c++) h[a][c] += wa * row[c];
      }
      if (i % ROWS_PER_TURN === ROWS_PER_TURN - 1) {
        if (iteration > 0) onProgress(iteration, (i + 1) / n);
        await yieldToLoop();
      }
    }
    for (let a = 0; a < p; a++) for (let c = 0; c < a; c++) h[a][c] = h[c][a];
    for (let j = 1; j < p; j++) {
      g[j] -= l2 * b[j];
      h[j][j] += l2;
    }
    return { g, h };
  };

  let ll = await objective(coef);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    checkAborted(signal);
    iterations++;
    onProgress(iterations, 0);
    const { g, h } = await derivatives(coef, iterations);
    const chol = spd(h);
    if (!chol) break; // information matrix degenerate: the estimates are running off to infinity
    const delta = solveWith(chol, g);
    // Step halving keeps every step uphill.
    let t = 1;
    let next = coef.map((c, j) => c + delta[j]);
    let nextLl = await objective(next);
    while (nextLl < ll - 1e-12 * Math.abs(ll) && t > 1e-6) {
      t /= 2;
      next = coef.map((c, j) => c + t * delta[j]);
      nextLl = await objective(next);
    }
    const change = Math.abs(nextLl - ll);
    coef = next;
    ll = nextLl;
    if (
      change <= 1e-10 * (Math.abs(ll) + 1) &&
      Math.max(...delta.map((d) => Math.abs(d * t))) <= 1e-10 * (1 + Math.max(...coef.map(Math.abs)))
    ) {
      converged = true;
      break;
    }
  }
  const penalised = await objective(coef); // also sets eta at the final coefficients
  let penalty = 0;
  for (let j = 1; j < p; j++) penalty += (l2 / 2) * coef[j] * coef[j];
  const { h } = await derivatives(coef);
  const chol = spd(h);
  return { coef, cov: chol ? inverseWith(chol, p) : null, iterations, converged, logLik: penalised + penalty };
}
