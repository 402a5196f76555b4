// Logistic regression across sites by Newton–Raphson: pool gradients and Hessians, step, halve on overshoot, test convergence.
import { z } from 'zod';
import { FederatedError, type NewtonPartial, type SitePartial, type StudySpecOf } from '../federated.ts';
import { type Matrix, cholesky, choleskyInverse, choleskySolve, dot } from './linalg.ts';
import type { LogisticRegressionStudyResult } from '../federated-results.ts';

const MIN_STEP = 1 / 1024; // smallest fraction of a Newton step tried before taking it anyway

/** What the hub keeps between Newton rounds (JSON, so a study survives a hub restart). */
export const LogisticState = z.object({
  iteration: z.number().int().min(0), // Newton steps taken
  rounds: z.number().int().min(1), // rounds sent, this one included
  coefficients: z.array(z.number()), // where the round in flight evaluates, intercept first
  step: z.number().positive().max(1), // fraction of `base.delta` being tried
  /** The Newton decrement fell below tol: this round, at the last step's end, only measures the final point. */
  finishing: z.boolean().default(false),
  /** The last accepted point and its Newton direction; null before the first round comes back. */
  base: z
    .object({ coefficients: z.array(z.number()), log_likelihood: z.number(), delta: z.array(z.number()) })
    .nullable(),
});
export type LogisticState = z.infer<typeof LogisticState>;

export function logisticStart(features: number): LogisticState {
  return {
    iteration: 0,
    rounds: 1,
    coefficients: new Array<number>(features + 1).fill(0),
    step: 1,
    finishing: false,
    base: null,
  };
}

export interface PooledNewton {
  n: number;
  n_positive: number;
  gradient: number[];
  hessian: Matrix;
  log_likelihood: number;
  suppressed: string[]; // sites left out
}

/** Sums of the sites' derivatives at the same coefficients (every site must have evaluated exactly `coefficients`). */
export function poolNewton(coefficients: number[], parts: SitePartial<NewtonPartial>[]): PooledNewton {
  const k = coefficients.length;
  const pooled: PooledNewton = {
    n: 0,
    n_positive: 0,
    gradient: new Array<number>(k).fill(0),
    hessian: coefficients.map(() => new Array<number>(k).fill(0)),
    log_likelihood: 0,
    suppressed: [],
  };
  for (const { site, partial } of parts) {
    if (partial.coefficients.length !== k || partial.coefficients.some((b, i) => b !== coefficients[i])) {
      throw new FederatedError(
        'conflict',
        `site ${site} evaluated other coefficients than this round's; it answered another round`,
      );
    }
    if (partial.suppressed || !partial.gradient || !partial.hessian || partial.log_likelihood === null) {
      if (partial.suppressed) pooled.suppressed.push(site);
      continue;
    }
    pooled.n += partial.n;
    pooled.n_positive += partial.n_positive ?? 0;
    pooled.log_likelihood += partial.log_likelihood;
    partial.gradient.forEach((g, i) => (pooled.gradient[i] += g));
    partial.hessian.forEach((row, i) => row.forEach((h, j) => (pooled.hessian[i][j] += h)));
  }
  return pooled;
}

export interface LogisticFit {
  coefficients: number[];
  covariance: Matrix; // H⁻¹ at the last evaluated coefficients
  converged: boolean;
  iterations: number;
  rounds: number;
  log_likelihood: number;
}

export type LogisticStep = { status: 'continue'; state: LogisticState } | { status: 'done'; fit: LogisticFit };

/**
 * One Newton–Raphson decision from the pooled derivatives at `state.coefficients`:
 * - the log-likelihood fell below the last accepted point's: try half the step from there (another round);
 * - else take the point and solve H·δ = g. When the Newton decrement gᵀH⁻¹g is at most tol, one last round at β + δ
 *   (whose error is of the order of the decrement squared) measures the Hessian and log-likelihood there, so that the
 *   reported coefficients, standard errors and log-likelihood all belong to the same point. After `max_iter` steps the
 *   fit stops unconverged; otherwise the next round goes to β + δ.
 */
export function advanceLogistic(
  state: LogisticState,
  pooled: PooledNewton,
  opts: { max_iter: number; tol: number },
): LogisticStep {
  const p = state.coefficients.length - 1;
  if (state.base === null) {
    if (pooled.n < p + 2)
      throw new FederatedError('invalid_params', `${pooled.n} complete rows; ${p} feature(s) need at least ${p + 2}`);
    if (pooled.n_positive === 0 || pooled.n_positive === pooled.n) {
      throw new FederatedError(
        'invalid_params',
        `every row is ${pooled.n_positive === 0 ? 'not ' : ''}the positive class; the model needs both classes`,
      );
    }
  }
  const ll = pooled.log_likelihood;
  const l = cholesky(pooled.hessian);
  if (!l) {
    throw new FederatedError(
      'invalid_params',
      'the information matrix is singular: a feature is constant or collinear, or the features separate the classes perfectly',
    );
  }
  const done = (converged: boolean): LogisticStep => ({
    status: 'done',
    fit: {
      coefficients: state.coefficients,
      covariance: choleskyInverse(l),
      converged,
      iterations: state.iteration,
      rounds: state.rounds,
      log_likelihood: ll,
    },
  });
  if (state.finishing) return done(true);
  const base = state.base;
  if (base && ll < base.log_likelihood - 1e-12 * Math.abs(base.log_likelihood) && state.step > MIN_STEP) {
    const step = state.step / 2;
    return {
      status: 'continue',
      state: {
        ...state,
        rounds: state.rounds + 1,
        step,
        coefficients: base.coefficients.map((b, i) => b + step * base.delta[i]),
      },
    };
  }
  const delta = choleskySolve(l, pooled.gradient);
  const finishing = dot(pooled.gradient, delta) <= opts.tol;
  if (!finishing && state.iteration >= opts.max_iter) return done(false);
  return {
    status: 'continue',
    state: {
      iteration: state.iteration + 1,
      rounds: state.rounds + 1,
      step: 1,
      finishing,
      coefficients: state.coefficients.map((b, i) => b + delta[i]),
      base: { coefficients: state.coefficients, log_likelihood: ll, delta },
    },
  };
}

/** The study result from a finished fit and the last round's partials. */
export function combineLogistic(
  spec: StudySpecOf<'logistic_regression'>,
  fit: LogisticFit,
  pooled: PooledNewton,
  parts: SitePartial<NewtonPartial>[],
): LogisticRegressionStudyResult {
  const positives = [
    ...new Set(parts.filter((p) => !p.partial.suppressed).map((p) => JSON.stringify(p.partial.positive))),
  ];
  if (positives.length > 1)
    throw new FederatedError(
      'conflict',
      `the sites modelled different positive classes (${positives.join(', ')}); give "positive"`,
    );
  const positive = parts.find((p) => !p.partial.suppressed)?.partial.positive ?? spec.positive ?? null;
  const warnings: string[] = [];
  if (pooled.suppressed.length)
    warnings.push(
      `${pooled.suppressed.join(', ')} held fewer complete rows than their minimum group size and are left out`,
    );
  if (!fit.converged)
    warnings.push(
      `the fit did not converge in ${fit.iterations} Newton steps; the classes may be (almost) perfectly separable`,
    );
  // Model statistics (statsmodels' Logit): intercept-only log-likelihood from the class counts; k = p + 1 parameters.
  const n = pooled.n;
  const p = spec.features.length;
  const pos = pooled.n_positive;
  const llnull0 = pos * Math.log(pos / n) + (n - pos) * Math.log((n - pos) / n);
  const llnull = Number.isFinite(llnull0) ? llnull0 : null;
  const llf = fit.log_likelihood;
  return {
    analysis: 'logistic_regression',
    rows_used: pooled.n,
    sites: parts.map((p) => p.site),
    ...(warnings.length ? { warnings } : {}),
    target: spec.target,
    positive,
    features: spec.features,
    coefficients: fit.coefficients.map((estimate, i) => {
      const se = Math.sqrt(fit.covariance[i][i]);
      return {
        term: i === 0 ? '(intercept)' : spec.features[i - 1],
        estimate,
        std_error: Number.isFinite(se) ? se : null,
        statistic: Number.isFinite(se) && se > 0 ? estimate / se : null,
      };
    }),
    converged: fit.converged,
    iterations: fit.iterations,
    rounds: fit.rounds,
    log_likelihood: fit.log_likelihood,
    df_model: p,
    df_resid: n - p - 1,
    null_log_likelihood: llnull,
    pseudo_r2: llnull ? 1 - llf / llnull : null,
    llr: llnull === null ? null : 2 * (llf - llnull),
    aic: -2 * llf + 2 * (p + 1),
    bic: -2 * llf + Math.log(n) * (p + 1),
    n_positive: pooled.n_positive,
    suppressed_sites: pooled.suppressed,
    per_site: parts.map(({ site, partial }) => ({
      site,
      rows: partial.rows,
      n: partial.n,
      n_positive: partial.n_positive,
      suppressed: partial.suppressed,
    })),
  };
}
