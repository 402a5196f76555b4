// correlation: Pearson (corr) and Spearman (corr of average ranks) matrices over rows with no nulls in the chosen columns.
import type { CorrelationResult } from '@simpul/protocol';
import { AnalysisError, checkAborted } from './errors.ts';
import { Sql, asDouble, count, distinct, num, numericColumn, stepper } from './sql.ts';
import type { SpecOf, SqlSource } from './types.ts';

type Matrix = (number | null)[][];

function matrixFrom(row: Record<string, unknown>, prefix: string, n: number): Matrix {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      if (i === j) return row[`${prefix}_${i}_${i}`] === null ? null : 1; // null when the column is constant
      const [a, b] = i < j ? [i, j] : [j, i];
      return num(row[`${prefix}_${a}_${b}`]);
    }),
  );
}

export async function correlation(src: SqlSource, o: SpecOf<'correlation'>): Promise<CorrelationResult> {
  const names =
    o.columns ??
    src.columns
      .filter((c) => c.kind === 'number')
      .slice(0, 100)
      .map((c) => c.name);
  if (names.length < 2) throw new AnalysisError('invalid_params', 'correlation needs at least two numeric columns');
  distinct(names, 'columns');
  const cols = names.map((n) => numericColumn(src, n, 'column'));
  const step = stepper(src);
  const sql = new Sql(src);
  const base = sql.from(
    cols.map((c, i) => `${asDouble(c)} AS x${i}`).join(', '),
    cols.map((c) => `${asDouble(c)} IS NOT NULL`),
  );
  const pearson = o.method !== 'spearman';
  const spearman = o.method !== 'pearson';

  const aggs = ['count(*) AS n'];
  cols.forEach((_, i) => {
    for (let j = i; j < cols.length; j++) {
      // corr(x, x) is 1, or null for a constant column: the diagonal says which.
      if (pearson) aggs.push(`corr(x${i}, x${j}) AS p_${i}_${j}`);
      if (spearman) aggs.push(`corr(r${i}, r${j}) AS s_${i}_${j}`);
    }
  });
  // Average rank for ties: the first rank of the tie plus half the tie's extra length.
  const ranks = spearman
    ? cols
        .map((_, i) => `, rank() OVER (ORDER BY x${i}) + (count(*) OVER (PARTITION BY x${i}) - 1) / 2.0 AS r${i}`)
        .join('')
    : '';
  const text = `SELECT ${aggs.join(', ')} FROM (SELECT *${ranks} FROM ${base})`;
  step(0.1, spearman ? 'ranking and correlating' : 'correlating');
  const [row] = await src.query(text, sql.params);
  checkAborted(src.signal);
  const n = count(row.n);
  const k = src.minGroupSize;
  const hide = k !== undefined && n > 0 && n < k;
  const blank = (): Matrix => cols.map(() => cols.map(() => null));
  const p = pearson ? (hide ? blank() : matrixFrom(row, 'p', cols.length)) : undefined;
  const s = spearman ? (hide ? blank() : matrixFrom(row, 's', cols.length)) : undefined;
  const heatmaps: CorrelationResult['charts']['heatmaps'] = [];
  if (p) heatmaps.push({ method: 'pearson', columns: names, values: p });
  if (s) heatmaps.push({ method: 'spearman', columns: names, values: s });
  step(1);
  return {
    analysis: 'correlation',
    rows_used: n,
    columns: names,
    ...(p ? { pearson: p } : {}),
    ...(s ? { spearman: s } : {}),
    ...(hide ? { warnings: [`only ${n} rows; the data owner's minimum is ${k}, so the matrix is suppressed`] } : {}),
    charts: { heatmaps },
  };
}
