// Federated histogram round 2 on one site: counts on the bins every site shares, plus values outside them.
import type { ColumnBins, HistogramPartial, RoundParamsOf } from '@simpul/protocol';
import { AnalysisError, checkAborted } from '../analysis/errors.ts';
import { Sql, asDouble, count, distinct, num, numericColumn } from '../analysis/sql.ts';
import type { SqlSource } from '../analysis/types.ts';
import { envelope, tooFew } from './envelope.ts';

const CHUNK = 50; // columns per query (one grouping set each)

/**
 * The bin of each value, as the single-site describe computes it (so pooled and federated histograms agree bit for bit):
 * least(floor((x − min) / width), bins − 1), with -1 below min and `bins` above max.
 */
function binExpr(sql: Sql, x: string, min: number, max: number, bins: number): string {
  const width = bins === 1 ? 1 : (max - min) / bins;
  const lo = sql.bind(min, 'DOUBLE');
  const hi = sql.bind(max, 'DOUBLE');
  return `CASE WHEN ${x} IS NULL THEN NULL WHEN ${x} < ${lo} THEN -1 WHEN ${x} > ${hi} THEN ${bins}
    ELSE least(floor((${x} - ${lo}) / ${sql.bind(width, 'DOUBLE')}), ${bins - 1})::INTEGER END`;
}

export async function histogram(src: SqlSource, p: RoundParamsOf<'histogram'>): Promise<HistogramPartial> {
  distinct(
    p.columns.map((c) => c.column),
    'columns',
  );
  const k = src.minGroupSize;
  const hide = (n: number) => (tooFew(n, k) ? null : n);
  const out: ColumnBins[] = [];
  let rows = 0;
  for (let start = 0; start < p.columns.length; start += CHUNK) {
    const batch = p.columns
      .slice(start, start + CHUNK)
      .map((b) => ({ ...b, col: numericColumn(src, b.column, 'column') }));
    const sql = new Sql(src);
    const inner = batch.map((b, i) => `${binExpr(sql, asDouble(b.col), b.min, b.max, b.bins)} AS h${i}`);
    const hs = batch.map((_, i) => `h${i}`);
    // One grouping set per column, plus the empty set for the filtered row count.
    const text = `SELECT ${hs.map((h, i) => `grouping(${h}) AS g${i}`).join(', ')}, ${hs.join(', ')}, count(*) AS n
      FROM ${sql.from(inner.join(', '))} GROUP BY GROUPING SETS (${hs.map((h) => `(${h})`).join(', ')}, ())`;
    const result = await src.query(text, sql.params);
    checkAborted(src.signal);
    const counts = batch.map((b) => new Array<number>(b.bins + 2).fill(0)); // [below, bins…, above]
    for (const r of result) {
      const i = hs.findIndex((_, j) => count(r[`g${j}`]) === 0);
      if (i < 0) {
        rows = count(r.n); // the empty grouping set
        continue;
      }
      const bin = num(r[`h${i}`]);
      if (bin === null) continue; // missing values
      if (!Number.isInteger(bin) || bin < -1 || bin > batch[i].bins)
        throw new AnalysisError('op_failed', `bin ${bin} of "${batch[i].column}" is outside its ${batch[i].bins} bins`);
      counts[i][bin + 1] = count(r.n);
    }
    batch.forEach((b, i) => {
      const c = counts[i];
      out.push({
        column: b.column,
        min: b.min,
        max: b.max,
        bins: b.bins,
        counts: c.slice(1, -1).map(hide),
        below: hide(c[0]),
        above: hide(c[b.bins + 1]),
      });
    });
    src.progress(Math.round((90 * (start + batch.length)) / p.columns.length), 'histograms');
  }
  return { ...envelope(p, rows), columns: out };
}
