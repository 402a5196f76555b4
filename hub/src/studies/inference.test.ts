// The hub's p-values and intervals for combined regressions, against statsmodels (the runner's fixtures).
import { readFileSync } from 'node:fs';
import type { LinearRegressionStudyResult, LogisticRegressionStudyResult } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withInference } from './inference.ts';

type Coef = Record<string, number | string>;
interface Case {
  analysis: string;
  name: string;
  features: string[];
  coefficients: Coef[];
  [k: string]: unknown;
}
const fixtures = JSON.parse(
  readFileSync(new URL('../../../runner/src/analysis/fixtures/regression-stats.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

const close = (a: unknown, b: number, what: string) => {
  assert.type(a, 'number', what);
  assert.ok(Math.abs((a as number) - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs statsmodels ${b}`);
};
/** The fields a combined result carries before the hub adds inference. */
const bare = (c: Coef) => ({
  term: c.term as string,
  estimate: c.estimate as number,
  std_error: c.std_error as number,
  statistic: c.statistic as number,
});
const common = { rows_used: 0, sites: ['a', 'b'], suppressed_sites: [], per_site: [] };

for (const c of fixtures.cases) {
  test(`${c.analysis} ${c.name}: p-values and intervals match statsmodels`, () => {
    const coefficients = c.coefficients.map(bare);
    const out =
      c.analysis === 'linear_regression'
        ? withInference({
            ...common,
            analysis: 'linear_regression',
            target: 'y',
            features: c.features,
            coefficients,
            r2: null,
            adj_r2: null,
            residual_se: null,
            df: c.df as number,
            df_model: c.df_model as number,
            f_statistic: c.f_statistic as number,
          } as LinearRegressionStudyResult)
        : withInference({
            ...common,
            analysis: 'logistic_regression',
            target: 'y',
            positive: 1,
            features: c.features,
            coefficients,
            converged: true,
            iterations: 1,
            rounds: 1,
            log_likelihood: c.log_likelihood as number,
            df_model: c.df_model as number,
            llr: c.llr as number,
            n_positive: 1,
          } as LogisticRegressionStudyResult);
    const r = out as unknown as Record<string, unknown> & { coefficients: Coef[] };
    c.coefficients.forEach((e, i) => {
      const keys = [
        'p_value',
        'ci_low',
        'ci_high',
        ...(e.odds_ratio !== undefined ? ['odds_ratio', 'or_ci_low', 'or_ci_high'] : []),
      ];
      for (const k of keys) close(r.coefficients[i][k], e[k] as number, `${e.term} ${k}`);
    });
    if (c.analysis === 'linear_regression') close(r.f_p_value, c.f_p_value as number, 'f_p_value');
    else close(r.llr_p_value, c.llr_p_value as number, 'llr_p_value');
  });
}

test.run();
