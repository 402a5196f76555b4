import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FederatedRoundParams,
  type SitePartial,
  StudyCreate,
  type MomentsPartial,
  requirementMet,
} from '../federated.ts';
import { correlationFrom, leastSquares, mergeCrossStats, rawCrossProducts } from './crossprod.ts';
import { compareKeys } from './groups.ts';
import { cholesky, choleskyInverse, choleskySolve } from './linalg.ts';
import { advanceLogistic, logisticStart } from './logistic.ts';
import { EMPTY_MOMENTS, histogramEdges, mergeMoments, quartilesFromBins } from './moments.ts';
import { advanceStudy, startStudy } from './study.ts';

/** A deterministic, skewed sample (no Math.random: a failure must be reproducible). */
const sample = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => 1000 + Math.exp(Math.sin(i * 12.9898 + seed) * 3) * 10);

const momentsOf = (xs: number[]) => {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    n: xs.length,
    mean,
    m2: xs.reduce((s, x) => s + (x - mean) ** 2, 0),
    min: Math.min(...xs),
    max: Math.max(...xs),
  };
};
const near = (a: number, b: number, rel: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);

test('study requests: defaults, and fields of another analysis refused', () => {
  const h = StudyCreate.parse({ dataset: 'patients', analysis: 'histogram', columns: ['age'] });
  assert.equal(h, { dataset: 'patients', analysis: 'histogram', columns: ['age'], bins: 20, require: 'all' });
  const l = StudyCreate.parse({
    dataset: 'patients',
    analysis: 'logistic_regression',
    target: 'dead',
    features: ['age'],
    require: 'quorum',
  });
  assert.ok(l.analysis === 'logistic_regression' && l.max_iter === 25 && l.tol === 1e-8 && l.require === 'quorum');
  const bad = [
    { dataset: 'p', analysis: 'summary', columns: ['a'], bins: 3 },
    { dataset: 'p', analysis: 'group_by', group_by: ['a'], aggregates: [{ fn: 'sum' }] },
    { dataset: 'p', analysis: 'group_by', group_by: ['a'], aggregates: [{ fn: 'median', column: 'b' }] },
    { dataset: 'p', analysis: 'correlation', columns: ['a'] },
    { dataset: 'p', analysis: 'summary', columns: ['a'], require: 'most' },
    { analysis: 'summary', columns: ['a'] },
  ];
  for (const b of bad) assert.is(StudyCreate.safeParse(b).success, false, JSON.stringify(b));
});

test('round params: each step has its own fields; coefficients must fit the features; bins must be ordered', () => {
  const base = { analysis: 'federated_round', dataset: 'p', study_id: 's1', round: 2 };
  assert.ok(
    FederatedRoundParams.safeParse({
      ...base,
      step: 'newton',
      target: 'y',
      features: ['a', 'b'],
      coefficients: [0, 0, 0],
    }).success,
  );
  const bad = [
    { ...base, step: 'newton', target: 'y', features: ['a', 'b'], coefficients: [0, 0] },
    { ...base, step: 'histogram', columns: [{ column: 'a', min: 2, max: 1, bins: 5 }] },
    { ...base, step: 'histogram', columns: [{ column: 'a', min: 1, max: 1, bins: 5 }] },
    { ...base, step: 'moments', columns: ['a'], bins: 3 },
    { ...base, step: 'rows', columns: ['a'] },
    { ...base, round: 0, step: 'moments', columns: ['a'] },
  ];
  for (const b of bad) assert.is(FederatedRoundParams.safeParse(b).success, false, JSON.stringify(b));
});

test('requirement: all, quorum (more than half) and any', () => {
  const table: [Parameters<typeof requirementMet>[0], number, boolean][] = [
    ['all', 3, true],
    ['all', 2, false],
    ['quorum', 2, true],
    ['quorum', 1, false],
    ['any', 1, true],
    ['any', 0, false],
  ];
  for (const [req, delivered, ok] of table)
    assert.is(requirementMet(req, 3, delivered), ok, `${req} with ${delivered} of 3`);
  assert.is(requirementMet('quorum', 4, 2), false);
});

test('merged moments equal the moments of all values, in any order of merging', () => {
  const xs = sample(1000, 1);
  const parts = [xs.slice(0, 611), xs.slice(611, 650), xs.slice(650)].map(momentsOf);
  const direct = momentsOf(xs);
  for (const order of [
    [0, 1, 2],
    [2, 0, 1],
    [1, 2, 0],
  ]) {
    const m = order.reduce((acc, i) => mergeMoments(acc, parts[i]), EMPTY_MOMENTS);
    assert.is(m.n, 1000);
    near(m.mean, direct.mean, 1e-13, 'mean');
    near(m.m2, direct.m2, 1e-11, 'M2');
    assert.is(m.min, direct.min);
    assert.is(m.max, direct.max);
  }
});

test('merged cross-products equal XᵀX of all rows; correlation and least squares follow from them', () => {
  const rows = sample(300, 2).map((a, i) => [
    a,
    a * 0.5 + sample(300, 3)[i],
    7 - 2 * a + 3 * sample(300, 3)[i] + Math.cos(i),
  ]);
  const stats = (rs: number[][]) => {
    const n = rs.length;
    const mean = [0, 1, 2].map((j) => rs.reduce((s, r) => s + r[j], 0) / n);
    return {
      n,
      mean,
      comoment: [0, 1, 2].map((i) =>
        [0, 1, 2].map((j) => rs.reduce((s, r) => s + (r[i] - mean[i]) * (r[j] - mean[j]), 0)),
      ),
    };
  };
  const merged = mergeCrossStats(
    mergeCrossStats(stats(rows.slice(0, 40)), stats(rows.slice(40, 250))),
    stats(rows.slice(250)),
  );
  const raw = rawCrossProducts(merged);
  for (let i = 0; i < 3; i++) {
    near(
      raw.sums[i],
      rows.reduce((s, r) => s + r[i], 0),
      1e-12,
      `Σx${i}`,
    );
    for (let j = 0; j < 3; j++)
      near(
        raw.xtx[i][j],
        rows.reduce((s, r) => s + r[i] * r[j], 0),
        1e-12,
        `XᵀX[${i}][${j}]`,
      );
  }
  const r = correlationFrom(merged);
  assert.is(r[1][1], 1);
  near(
    r[0][1] as number,
    merged.comoment[0][1] / Math.sqrt(merged.comoment[0][0] * merged.comoment[1][1]),
    1e-15,
    'r01',
  );
  // y = column 2 on columns 0 and 1: the normal equations XᵀX·β = Xᵀy hold for the fitted β (with an intercept).
  const fit = leastSquares(merged);
  const X = rows.map((row) => [1, row[0], row[1]]);
  for (let a = 0; a < 3; a++) {
    const lhs = X.reduce((s, x) => s + x[a] * x.reduce((u, v, b) => u + v * fit.coefficients[b], 0), 0);
    const rhs = X.reduce((s, x, k) => s + x[a] * rows[k][2], 0);
    near(lhs, rhs, 1e-9, `normal equation ${a}`);
  }
});

test('Cholesky solves and inverts SPD systems and refuses singular ones', () => {
  const a = [
    [4, 2, 0.6],
    [2, 5, 1],
    [0.6, 1, 3],
  ];
  const l = cholesky(a);
  assert.ok(l);
  const x = choleskySolve(l, [1, 2, 3]);
  a.forEach((row, i) =>
    near(
      row.reduce((s, v, j) => s + v * x[j], 0),
      [1, 2, 3][i],
      1e-14,
      `row ${i}`,
    ),
  );
  const inv = choleskyInverse(l);
  a.forEach((row, i) =>
    inv.forEach((_, j) =>
      assert.ok(Math.abs(row.reduce((s, v, k) => s + v * inv[k][j], 0) - (i === j ? 1 : 0)) < 1e-14),
    ),
  );
  assert.is(
    cholesky([
      [1, 2],
      [2, 4],
    ]),
    null,
  ); // rank one
  assert.is(
    cholesky([
      [1, 0],
      [0, -1],
    ]),
    null,
  );
});

test('histogram edges and quartiles from bins (within one bin width of the exact quartiles)', () => {
  assert.equal(histogramEdges(0, 10, 4), [0, 2.5, 5, 7.5, 10]);
  assert.equal(histogramEdges(3, 3, 20), [3, 3]);
  const xs = sample(501, 4).sort((p, q) => p - q);
  const edges = histogramEdges(xs[0], xs[500], 17);
  const w = edges[1] - edges[0];
  const counts = new Array<number>(17).fill(0);
  for (const v of xs) counts[Math.min(16, Math.floor((v - xs[0]) / w))]++;
  const q = quartilesFromBins(edges, counts);
  for (const [p, got] of [
    [0.25, q.q1],
    [0.5, q.median],
    [0.75, q.q3],
  ] as const) {
    const h = 500 * p;
    const exact = xs[Math.floor(h)] + (h - Math.floor(h)) * (xs[Math.ceil(h)] - xs[Math.floor(h)]);
    assert.ok(got !== null && Math.abs(got - exact) <= w, `quantile ${p}: ${got} vs ${exact}`);
  }
});

test('group keys sort element by element, nulls last', () => {
  const keys = [
    ['b', null],
    [null, 1],
    ['a', 2],
    ['b', 1],
    ['a', null],
  ];
  assert.equal([...keys].sort(compareKeys), [
    ['a', 2],
    ['a', null],
    ['b', 1],
    ['b', null],
    [null, 1],
  ]);
});

test('a study refuses partials of another round, and a round nobody delivered', () => {
  const req = StudyCreate.parse({ dataset: 'p', analysis: 'summary', columns: ['a'] });
  const plan = startStudy('s1', req);
  assert.is(plan.status, 'round');
  if (plan.status !== 'round') return;
  assert.equal(plan.params, {
    analysis: 'federated_round',
    dataset: 'p',
    study_id: 's1',
    round: 1,
    step: 'moments',
    columns: ['a'],
  });
  const partial: MomentsPartial = {
    analysis: 'federated_round',
    step: 'moments',
    study_id: 's1',
    round: 1,
    rows: 3,
    columns: [{ column: 'a', n: 3, mean: 2, m2: 2, min: 1, max: 3, suppressed: false }],
  };
  const stale: SitePartial = { site: 'r1', partial: { ...partial, round: 7 } };
  assert.throws(
    () => advanceStudy('s1', req, plan.state, [stale]),
    (e: Error & { code?: string }) => e.code === 'conflict',
  );
  assert.throws(
    () => advanceStudy('s1', req, plan.state, []),
    (e: Error & { code?: string }) => e.code === 'op_failed',
  );
  const done = advanceStudy('s1', req, plan.state, [
    { site: 'r1', partial },
    { site: 'r2', partial },
  ]);
  assert.ok(done.status === 'done' && done.result.analysis === 'summary' && done.result.columns[0].count === 6);
  assert.ok(done.status === 'done' && done.result.analysis === 'summary' && done.result.columns[0].variance === 4 / 5);
});

test('Newton: a step that lowers the log-likelihood is halved from the last accepted point', () => {
  const state = {
    ...logisticStart(1),
    iteration: 1,
    rounds: 2,
    coefficients: [2, 4],
    base: { coefficients: [0, 0], log_likelihood: -10, delta: [2, 4] },
  };
  const pooled = {
    n: 50,
    n_positive: 20,
    gradient: [1, 1],
    hessian: [
      [5, 1],
      [1, 5],
    ],
    log_likelihood: -12,
    suppressed: [],
  };
  const next = advanceLogistic(state, pooled, { max_iter: 25, tol: 1e-8 });
  assert.ok(next.status === 'continue');
  if (next.status !== 'continue') return;
  assert.equal(next.state.coefficients, [1, 2]);
  assert.is(next.state.step, 0.5);
  assert.is(next.state.iteration, 1);
  assert.is(next.state.rounds, 3);
  // An uphill point is taken, and the Newton step δ = H⁻¹g follows.
  const up = advanceLogistic(state, { ...pooled, log_likelihood: -9 }, { max_iter: 25, tol: 1e-8 });
  assert.ok(
    up.status === 'continue' && Math.abs(up.state.coefficients[0] - (2 + 1 / 6)) < 1e-15 && up.state.iteration === 2,
  );
});

test.run();
