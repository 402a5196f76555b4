// group_by: row counts and aggregates per group, with groups smaller than the data owner's k suppressed inside DuckDB.
import type { Aggregate, ColumnInfo, GroupByResult } from '@simpul/protocol';
import { FACTS, type GroupFacts, type WithFacts } from '../disclosure/facts.ts';
import { cellKeyOf } from '../disclosure/record-key.ts';
import { checkAborted } from './errors.ts';
import { Sql, asDouble, column, count, num, numericColumn, quoteIdent, stepper, value } from './sql.ts';
import type { SpecOf, SqlSource } from './types.ts';

/** Keys and min/max travel as JSON scalars: dates and other types as their text. */
const scalar = (c: ColumnInfo, expr: string): string =>
  c.kind === 'number' ? `${expr}::DOUBLE` : c.kind === 'string' || c.kind === 'boolean' ? expr : `${expr}::VARCHAR`;

function aggregateSql(src: SqlSource, a: Aggregate): string {
  if (a.fn === 'count') return a.column === undefined ? 'count(*)' : `count(${quoteIdent(column(src, a.column).name)})`;
  const name = a.column as string; // the protocol requires a column for every other aggregate
  if (a.fn === 'min' || a.fn === 'max') {
    const c = column(src, name);
    return c.kind === 'number' ? `${a.fn}(${asDouble(c)})` : scalar(c, `${a.fn}(${quoteIdent(c.name)})`);
  }
  const c = numericColumn(src, name, `${a.fn} column`);
  const x = asDouble(c); // finite values: ±Infinity and NaN read as missing
  return a.fn === 'sum' ? `sum(${x})` : a.fn === 'mean' ? `avg(${x})` : `median(${x})`;
}

const label = (a: Aggregate): string => (a.column === undefined ? a.fn : `${a.fn}(${a.column})`);

/** For the gate's dominance rule: per sum or mean, the top n absolute values' sum and the sum of all absolute values. */
function dominanceSql(src: SqlSource, a: Aggregate, n: number): string[] {
  if ((a.fn !== 'sum' && a.fn !== 'mean') || a.column === undefined) return ['NULL', 'NULL'];
  const x = asDouble(numericColumn(src, a.column, `${a.fn} column`));
  return [`list_sum(max(abs(${x}), ${Math.floor(n)}))`, `sum(abs(${x}))`];
}

export async function groupBy(src: SqlSource, o: SpecOf<'group_by'>): Promise<WithFacts<GroupByResult>> {
  const keys = [...new Set(o.group_by)].map((n) => column(src, n));
  const aggs = o.aggregates.map((a) => ({ a, expr: aggregateSql(src, a) }));
  const step = stepper(src);
  const sql = new Sql(src);
  const k = src.minGroupSize ?? 0;
  const kParam = sql.bind(k, 'BIGINT');

  const keyCols = keys.map((_, i) => `g${i}`);
  const d = src.disclosure;
  const inner = [
    ...keys.map((c, i) => `${scalar(c, quoteIdent(c.name))} AS g${i}`),
    'count(*) AS n',
    ...aggs.map(({ expr }, j) => `${expr} AS a${j}`),
    ...(d?.recordKey ? [`sum(${d.recordKey}) AS ck`] : []),
    ...(d?.dominanceN
      ? aggs.flatMap(({ a }, j) => dominanceSql(src, a, d.dominanceN as number).map((e, m) => `${e} AS d${j}_${m}`))
      : []),
  ];
  const grouped = `SELECT ${inner.join(', ')} FROM ${sql.from('*')} GROUP BY ${keys.map((_, i) => i + 1).join(', ')}`;
  const hidden = `n < ${kParam}`;
  const outer = [
    ...keyCols,
    `CASE WHEN ${hidden} THEN NULL ELSE n END AS n`,
    ...aggs.map((_, j) => `CASE WHEN ${hidden} THEN NULL ELSE a${j} END AS a${j}`),
    `${hidden} AS suppressed`,
    'count(*) OVER () AS total_groups',
    'sum(n) OVER () AS total_rows',
    `count(*) FILTER (WHERE ${hidden}) OVER () AS suppressed_groups`,
    // For the gate only (never sent): rows in the withheld groups, cell keys and dominance figures of the shown ones.
    ...(d ? [`sum(n) FILTER (WHERE ${hidden}) OVER () AS withheld_rows`] : []),
    ...(d?.recordKey ? [`CASE WHEN ${hidden} THEN NULL ELSE ck END AS ck`] : []),
    ...(d?.dominanceN
      ? aggs.flatMap((_, j) => [0, 1].map((m) => `CASE WHEN ${hidden} THEN NULL ELSE d${j}_${m} END AS d${j}_${m}`))
      : []),
  ];
  const order =
    o.sort === 'count'
      ? `n DESC, ${keyCols.map((g) => `${g} NULLS LAST`).join(', ')}`
      : keyCols.map((g) => `${g} NULLS LAST`).join(', ');
  // The raw count orders groups; only the CASE-masked values leave DuckDB.
  const text = `SELECT ${outer.join(', ')} FROM (${grouped}) ORDER BY ${order} LIMIT ${sql.bind(o.limit, 'BIGINT')}`;
  step(0.1, 'grouping');
  const rows = await src.query(text, sql.params);
  checkAborted(src.signal);

  const groups = rows.map((r) => ({
    key: keyCols.map((g) => value(r[g])),
    count: r.suppressed === true ? null : count(r.n),
    values: aggs.map((_, j) => value(r[`a${j}`])),
    suppressed: r.suppressed === true,
  }));
  const first = aggs.findIndex(({ a }) => a.fn !== 'min' && a.fn !== 'max');
  const measure = first >= 0 ? label(aggs[first].a) : 'count';
  step(1);
  const facts: GroupFacts[] = rows.map((r) => ({
    ...(d?.recordKey ? { cellKey: cellKeyOf(r.ck) } : {}),
    ...(d?.dominanceN
      ? { top: aggs.map((_, j) => num(r[`d${j}_0`])), abs: aggs.map((_, j) => num(r[`d${j}_1`])) }
      : {}),
  }));
  return {
    ...(d ? { [FACTS]: { groups: facts, withheldRows: count(rows[0]?.withheld_rows) } } : {}),
    analysis: 'group_by',
    rows_used: count(rows[0]?.total_rows),
    group_by: keys.map((c) => c.name),
    aggregates: aggs.map(({ a }) => ({
      name: label(a),
      fn: a.fn,
      ...(a.column === undefined ? {} : { column: a.column }),
    })),
    groups,
    total_groups: count(rows[0]?.total_groups),
    truncated: count(rows[0]?.total_groups) > groups.length,
    suppressed_groups: count(rows[0]?.suppressed_groups),
    charts: {
      bar: {
        labels: groups.map((g) => g.key.map((v) => (v === null ? '(null)' : String(v))).join(' / ')),
        values: groups.map((g) =>
          first >= 0 ? (typeof g.values[first] === 'number' ? (g.values[first] as number) : null) : g.count,
        ),
        measure,
      },
    },
  };
}
