// Federated group_by on one site: per group its row count and, per value column, non-null count and sum; small groups masked.
import type { ColumnInfo, GroupsPartial, RoundParamsOf } from '@simpul/protocol';
import { AnalysisError, checkAborted } from '../analysis/errors.ts';
import { Sql, asDouble, column, count, distinct, num, numericColumn, quoteIdent, value } from '../analysis/sql.ts';
import type { SqlSource } from '../analysis/types.ts';
import { envelope } from './envelope.ts';

/** Keys travel as JSON scalars: numbers as doubles (so 3 and 3.0 meet across sites), dates and the rest as text. */
const keyExpr = (c: ColumnInfo): string =>
  c.kind === 'number'
    ? asDouble(c)
    : c.kind === 'string' || c.kind === 'boolean'
      ? quoteIdent(c.name)
      : `${quoteIdent(c.name)}::VARCHAR`;

export async function groups(src: SqlSource, p: RoundParamsOf<'groups'>): Promise<GroupsPartial> {
  distinct(p.group_by, 'group_by');
  distinct(p.columns, 'columns');
  const keys = p.group_by.map((n) => column(src, n));
  const vals = p.columns.map((n) => numericColumn(src, n, 'value column'));
  const sql = new Sql(src);
  const kParam = sql.bind(src.minGroupSize ?? 0, 'BIGINT');
  const keyCols = keys.map((_, i) => `g${i}`);
  const inner = [
    ...keys.map((c, i) => `${keyExpr(c)} AS g${i}`),
    'count(*) AS n',
    ...vals.flatMap((c, j) => [`count(${quoteIdent(c.name)}) AS c${j}`, `sum(${asDouble(c)}) AS s${j}`]),
  ];
  const grouped = `SELECT ${inner.join(', ')} FROM ${sql.from('*')} GROUP BY ${keys.map((_, i) => i + 1).join(', ')}`;
  const hidden = `n < ${kParam}`;
  // Only CASE-masked values leave DuckDB: a suppressed group keeps its key and nothing else.
  const outer = [
    ...keyCols,
    `CASE WHEN ${hidden} THEN NULL ELSE n END AS n`,
    ...vals.flatMap((_, j) => [
      `CASE WHEN ${hidden} THEN NULL ELSE c${j} END AS c${j}`,
      `CASE WHEN ${hidden} THEN NULL ELSE s${j} END AS s${j}`,
    ]),
    `${hidden} AS suppressed`,
    'count(*) OVER () AS total_groups',
    'sum(n) OVER () AS total_rows',
  ];
  const order = keyCols.map((g) => `${g} NULLS LAST`).join(', ');
  const text = `SELECT ${outer.join(', ')} FROM (${grouped}) ORDER BY ${order} LIMIT ${sql.bind(p.max_groups + 1, 'BIGINT')}`;
  src.progress(10, 'grouping');
  const rows = await src.query(text, sql.params);
  checkAborted(src.signal);
  const total = count(rows[0]?.total_groups);
  if (total > p.max_groups) {
    throw new AnalysisError(
      'invalid_params',
      `${total} groups on this site; the study allows ${p.max_groups}: group by fewer or coarser columns`,
    );
  }
  return {
    ...envelope(p, count(rows[0]?.total_rows)),
    group_by: keys.map((c) => c.name),
    columns: vals.map((c) => c.name),
    groups: rows.map((r) => {
      const suppressed = r.suppressed === true;
      return {
        key: keyCols.map((g) => value(r[g])),
        count: suppressed ? null : count(r.n),
        n: vals.map((_, j) => (suppressed ? null : count(r[`c${j}`]))),
        sums: vals.map((_, j) => (suppressed ? null : num(r[`s${j}`]))),
        suppressed,
      };
    }),
  };
}
