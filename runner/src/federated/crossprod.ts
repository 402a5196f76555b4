// Federated correlation and linear regression on one site: n, means and centred cross-products over complete rows.
import type { CrossprodPartial, RoundParamsOf } from '@simpul/protocol';
import { checkAborted } from '../analysis/errors.ts';
import { Sql, asDouble, count, distinct, num, numericColumn } from '../analysis/sql.ts';
import type { SqlSource } from '../analysis/types.ts';
import { envelope, tooFew } from './envelope.ts';

/**
 * C[i][j] = n · covar_pop(x_i, x_j): DuckDB's co-moments are accumulated stably, so no Σxy − Σx·Σy/n cancellation.
 * Only rows with a value in every column count (listwise, as the single-site analyses do).
 */
export async function crossprod(src: SqlSource, p: RoundParamsOf<'crossprod'>): Promise<CrossprodPartial> {
  distinct(p.columns, 'columns');
  const cols = p.columns.map((n) => numericColumn(src, n, 'column'));
  const m = cols.length;
  const sql = new Sql(src);
  const complete = cols.map((_, i) => `x${i} IS NOT NULL`).join(' AND ');
  const only = ' FILTER (WHERE ok)';
  const aggs = ['count(*) AS rows', `count(*)${only} AS n`];
  for (let i = 0; i < m; i++) {
    aggs.push(`avg(x${i})${only} AS m${i}`);
    for (let j = i; j < m; j++) aggs.push(`covar_pop(x${i}, x${j})${only} * count(*)${only} AS c${i}_${j}`);
  }
  const base = sql.from(cols.map((c, i) => `${asDouble(c)} AS x${i}`).join(', '));
  src.progress(10, 'cross-products');
  const [r] = await src.query(`SELECT ${aggs.join(', ')} FROM (SELECT *, ${complete} AS ok FROM ${base})`, sql.params);
  checkAborted(src.signal);
  const n = count(r.n);
  const head = { ...envelope(p, count(r.rows)), columns: cols.map((c) => c.name), n };
  if (n === 0 || tooFew(n, src.minGroupSize)) return { ...head, mean: null, comoment: null, suppressed: n > 0 };
  const c = (i: number, j: number) => num(r[i <= j ? `c${i}_${j}` : `c${j}_${i}`]) ?? 0;
  return {
    ...head,
    mean: cols.map((_, i) => num(r[`m${i}`]) ?? 0),
    comoment: cols.map((_, i) => cols.map((__, j) => c(i, j))),
    suppressed: false,
  };
}
