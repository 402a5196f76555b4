// Linear and logistic model statistics against statsmodels (fixtures/regression-stats.json, made by make_fixtures.py).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AnalysisResult, AnalysisSpec } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAnalysis } from './run-analysis.ts';
import { openTestSource, tempDir, writeIrisCsv } from './test-source.ts';

interface Case {
  name: string;
  dataset: 'iris' | 'patients';
  analysis: 'linear_regression' | 'logistic_regression';
  target: string;
  positive?: string | number;
  features: string[];
  n: number;
  coefficients: Record<string, number | string>[];
  [stat: string]: unknown;
}

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/regression-stats.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};
const tmp = tempDir();
const files = {
  iris: writeIrisCsv(tmp.dir),
  patients: fileURLToPath(new URL('../../../scripts/demo/data/patients.csv', import.meta.url)),
};

let worst = 0;
/** Agreement to 1e-6, relative where the reference is larger than 1. */
function close(actual: unknown, expected: number, what: string): void {
  assert.type(actual, 'number', `${what} is a number`);
  const err = Math.abs((actual as number) - expected) / Math.max(1, Math.abs(expected));
  worst = Math.max(worst, err);
  assert.ok(err <= 1e-6, `${what}: ${actual} vs statsmodels ${expected}`);
}

const COEF_FIELDS = ['estimate', 'std_error', 'statistic', 'p_value', 'ci_low', 'ci_high'];
const ODDS_FIELDS = ['odds_ratio', 'or_ci_low', 'or_ci_high'];
const MODEL_FIELDS = {
  linear_regression: ['r2', 'adj_r2', 'residual_se', 'f_statistic', 'f_p_value', 'log_likelihood', 'aic', 'bic'],
  logistic_regression: ['log_likelihood', 'null_log_likelihood', 'pseudo_r2', 'llr', 'llr_p_value', 'aic', 'bic'],
};

// Logistic fits also on raw features: standardising is a reparametrisation, the MLE and its statistics are the same.
const runs = fixtures.cases.flatMap((c): { c: Case; standardise?: boolean }[] =>
  c.analysis === 'logistic_regression'
    ? [
        { c, standardise: true },
        { c, standardise: false },
      ]
    : [{ c }],
);

for (const { c, standardise } of runs) {
  test(`${c.analysis} on ${c.name}${standardise === false ? ' (raw features)' : ''} matches statsmodels`, async () => {
    const src = await openTestSource(files[c.dataset]);
    try {
      const spec = AnalysisSpec.parse({
        analysis: c.analysis,
        target: c.target,
        features: c.features,
        ...(c.positive !== undefined ? { positive: c.positive } : {}),
        ...(standardise !== undefined ? { standardise } : {}),
      });
      const r = await runAnalysis(src, spec);
      assert.ok(AnalysisResult.safeParse(JSON.parse(JSON.stringify(r))).success, 'result matches the protocol schema');
      const out = r as unknown as Record<string, unknown> & { coefficients: Record<string, unknown>[] };
      if (r.analysis === 'linear_regression') {
        assert.is(r.rows_used, c.n);
        assert.is(r.df, c.df);
      } else if (r.analysis === 'logistic_regression') {
        assert.is(r.n_train_used, c.n, 'fitted on every row by default');
        assert.is(r.n_test, 0);
        assert.ok(r.converged);
        assert.is(r.df_resid, c.df_resid);
      }
      assert.is(out.df_model, c.df_model);
      assert.is(out.coefficients.length, c.coefficients.length);
      c.coefficients.forEach((e, i) => {
        const a = out.coefficients[i];
        assert.is(a.term, e.term);
        const fields = c.analysis === 'logistic_regression' && i > 0 ? [...COEF_FIELDS, ...ODDS_FIELDS] : COEF_FIELDS;
        for (const f of fields) close(a[f], e[f] as number, `${e.term} ${f}`);
      });
      for (const f of MODEL_FIELDS[c.analysis]) close(out[f], c[f] as number, f);
    } finally {
      src.close();
    }
  });
}

test.after(() => {
  console.log(`largest deviation from statsmodels (relative above 1): ${worst.toExponential(2)}`);
  tmp.cleanup();
});
test.run();
