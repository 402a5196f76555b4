// Federated logistic regression on one site: at the round's coefficients, the gradient, Hessian and log-likelihood.
import type { ColumnInfo, NewtonPartial, RoundParamsOf } from '@simpul/protocol';
import { AnalysisError, checkAborted } from '../analysis/errors.ts';
import { Sql, asDouble, column, count, distinct, num, numericColumn, quoteIdent } from '../analysis/sql.ts';
import type { SqlSource } from '../analysis/types.ts';
import { envelope, tooFew } from './envelope.ts';

type Params = RoundParamsOf<'newton'>;
type Scalar = string | number | boolean;

/** The class modelled: `positive` when given, else true for a boolean target and 1 for a target holding only 0 and 1. */
async function positiveOf(src: SqlSource, target: ColumnInfo, p: Params): Promise<Scalar> {
  if (p.positive !== undefined) return p.positive;
  if (target.kind === 'boolean') return true;
  if (target.kind === 'number') {
    const sql = new Sql(src);
    const y = asDouble(target);
    const [r] = await src.query(
      `SELECT count(*) AS other FROM ${sql.from('1', [`${y} IS NOT NULL`, `${y} NOT IN (0, 1)`])}`,
      sql.params,
    );
    if (count(r.other) === 0) return 1;
    throw new AnalysisError(
      'invalid_params',
      `target "${target.name}" holds values other than 0 and 1; give "positive": the class to model against all others`,
    );
  }
  throw new AnalysisError(
    'invalid_params',
    `target "${target.name}" is ${target.type}; give "positive": the class to model against all others`,
  );
}

export async function newton(src: SqlSource, p: Params): Promise<NewtonPartial> {
  distinct([p.target, ...p.features], 'target and features together');
  const target = column(src, p.target);
  const feats = p.features.map((f) => numericColumn(src, f, 'feature'));
  const positive = await positiveOf(src, target, p);
  checkAborted(src.signal);
  const k = feats.length + 1; // the intercept is term 0
  const x = (a: number) => (a === 0 ? '1' : `x${a - 1}`);

  const sql = new Sql(src);
  const q = quoteIdent(target.name);
  const base = sql.from(
    [
      `(${q} = ${sql.bind(positive)})::INTEGER AS y`,
      `${q} IS NOT NULL AS has_y`,
      ...feats.map((f, i) => `${asDouble(f)} AS x${i}`),
    ].join(', '),
  );
  const eta = p.coefficients.map((b, a) => `${sql.bind(b, 'DOUBLE')} * ${x(a)}`).join(' + ');
  const ok = ['has_y', ...feats.map((_, i) => `x${i} IS NOT NULL`)].join(' AND ');
  const withEta = `(SELECT *, ${ok} AS ok, ${eta} AS eta FROM ${base})`;
  // μ = logistic(η) and softplus(η) = log(1 + e^η), each in the branch where exp cannot overflow.
  const withMu = `(SELECT *, CASE WHEN eta >= 0 THEN 1 / (1 + exp(-eta)) ELSE exp(eta) / (1 + exp(eta)) END AS mu,
    CASE WHEN eta > 0 THEN eta + ln(1 + exp(-eta)) ELSE ln(1 + exp(eta)) END AS sp FROM ${withEta})`;
  const only = ' FILTER (WHERE ok)';
  const aggs = ['count(*) AS rows', `count(*)${only} AS n`, `sum(y)${only} AS npos`, `sum(y * eta - sp)${only} AS ll`];
  for (let a = 0; a < k; a++) {
    aggs.push(`sum((y - mu) * ${x(a)})${only} AS g${a}`);
    for (let c = a; c < k; c++) aggs.push(`sum(mu * (1 - mu) * ${x(a)} * ${x(c)})${only} AS h${a}_${c}`);
  }
  src.progress(10, 'gradient and Hessian');
  const [r] = await src.query(`SELECT ${aggs.join(', ')} FROM ${withMu}`, sql.params);
  checkAborted(src.signal);

  const n = count(r.n);
  const head = {
    ...envelope(p, count(r.rows)),
    target: target.name,
    positive,
    features: feats.map((f) => f.name),
    coefficients: p.coefficients,
    n,
  };
  if (n === 0 || tooFew(n, src.minGroupSize)) {
    return { ...head, n_positive: null, gradient: null, hessian: null, log_likelihood: null, suppressed: n > 0 };
  }
  const h = (a: number, c: number) => num(r[a <= c ? `h${a}_${c}` : `h${c}_${a}`]) ?? 0;
  return {
    ...head,
    n_positive: count(r.npos),
    gradient: Array.from({ length: k }, (_, a) => num(r[`g${a}`]) ?? 0),
    hessian: Array.from({ length: k }, (_, a) => Array.from({ length: k }, (__, c) => h(a, c))),
    log_likelihood: num(r.ll) ?? 0,
    suppressed: false,
  };
}
