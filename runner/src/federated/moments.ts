// Federated summary and histogram round 1 on one site: per column n, mean, M2, min and max (or only n, min and max).
import type { ColumnMoments, ColumnRange, MomentsPartial, RangePartial, RoundParamsOf } from '@simpul/protocol';
import { checkAborted } from '../analysis/errors.ts';
import { Sql, asDouble, count, distinct, num, numericColumn } from '../analysis/sql.ts';
import type { SqlSource } from '../analysis/types.ts';
import { envelope, tooFew } from './envelope.ts';

const CHUNK = 100; // columns per query

interface Raw {
  column: string;
  n: number;
  mean: number | null;
  m2: number | null;
  min: number | null;
  max: number | null;
}

/** One scan per chunk of columns; M2 = var_pop · n (DuckDB's variance is computed stably, unlike Σx² − n·x̄²). */
async function columnStats(
  src: SqlSource,
  names: string[],
  withMoments: boolean,
): Promise<{ rows: number; stats: Raw[] }> {
  distinct(names, 'columns');
  const cols = names.map((n) => numericColumn(src, n, 'column'));
  const stats: Raw[] = [];
  let rows = 0;
  for (let start = 0; start < cols.length; start += CHUNK) {
    const chunk = cols.slice(start, start + CHUNK);
    const sql = new Sql(src);
    const aggs = ['count(*) AS rows'];
    chunk.forEach((_, i) => {
      aggs.push(`count(x${i}) AS n${i}`, `min(x${i}) AS min${i}`, `max(x${i}) AS max${i}`);
      if (withMoments) aggs.push(`avg(x${i}) AS mean${i}`, `var_pop(x${i}) * count(x${i}) AS m2_${i}`);
    });
    const base = sql.from(chunk.map((c, i) => `${asDouble(c)} AS x${i}`).join(', '));
    const [r] = await src.query(`SELECT ${aggs.join(', ')} FROM ${base}`, sql.params);
    checkAborted(src.signal);
    rows = count(r.rows);
    chunk.forEach((c, i) =>
      stats.push({
        column: c.name,
        n: count(r[`n${i}`]),
        mean: num(r[`mean${i}`]),
        m2: num(r[`m2_${i}`]),
        min: num(r[`min${i}`]),
        max: num(r[`max${i}`]),
      }),
    );
    src.progress(Math.round((90 * (start + chunk.length)) / cols.length), 'column statistics');
  }
  return { rows, stats };
}

export async function moments(src: SqlSource, p: RoundParamsOf<'moments'>): Promise<MomentsPartial> {
  const { rows, stats } = await columnStats(src, p.columns, true);
  const columns = stats.map((s): ColumnMoments => {
    if (tooFew(s.n, src.minGroupSize))
      return { column: s.column, n: null, mean: null, m2: null, min: null, max: null, suppressed: true };
    return { ...s, suppressed: false };
  });
  return { ...envelope(p, rows), columns };
}

export async function range(src: SqlSource, p: RoundParamsOf<'range'>): Promise<RangePartial> {
  const { rows, stats } = await columnStats(src, p.columns, false);
  const columns = stats.map((s): ColumnRange => {
    if (tooFew(s.n, src.minGroupSize)) return { column: s.column, n: null, min: null, max: null, suppressed: true };
    return { column: s.column, n: s.n, min: s.min, max: s.max, suppressed: false };
  });
  return { ...envelope(p, rows), columns };
}
