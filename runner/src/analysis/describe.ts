// describe: per-column counts, range, moments, quartiles, top values and histograms, all computed in DuckDB.
import type { ColumnInfo, DescribeColumn, DescribeResult, Histogram } from '@simpul/protocol';
import { niceRange } from '../disclosure/nice-range.ts';
import { checkAborted } from './errors.ts';
import { Sql, asDouble, column, count, num, quoteIdent, stepper, suppress, value } from './sql.ts';
import type { SpecOf, SqlSource } from './types.ts';

const STATS_CHUNK = 40; // columns per statistics query
const HIST_CHUNK = 50; // columns per histogram query

function statsSql(src: SqlSource, cols: ColumnInfo[]): { text: string; params: unknown[] } {
  const sql = new Sql(src);
  const inner = ['count(*) AS n'];
  const outer = ['n'];
  cols.forEach((c, i) => {
    const q = quoteIdent(c.name);
    const a = `c${i}`;
    inner.push(`count(${q}) AS ${a}_n`);
    outer.push(`${a}_n`);
    if (c.kind !== 'other') {
      inner.push(`count(DISTINCT ${q}) AS ${a}_d`);
      outer.push(`${a}_d`);
    }
    if (c.kind === 'number') {
      const d = asDouble(c); // finite values only: ±Infinity and NaN are counted apart
      inner.push(
        `min(${d}) AS ${a}_min`,
        `max(${d}) AS ${a}_max`,
        `avg(${d}) AS ${a}_mean`,
        `stddev_samp(${d}) AS ${a}_sd`,
      );
      inner.push(`quantile_cont(${d}, [0.25, 0.5, 0.75]) AS ${a}_q`, `count(${q}) - count(${d}) AS ${a}_nf`);
      outer.push(
        `${a}_min`,
        `${a}_max`,
        `${a}_mean`,
        `${a}_sd`,
        `${a}_q[1] AS ${a}_q1`,
        `${a}_q[2] AS ${a}_q2`,
        `${a}_q[3] AS ${a}_q3`,
        `${a}_nf`,
      );
    } else if (c.kind === 'string' || c.kind === 'boolean') {
      inner.push(`min(${q}) AS ${a}_min`, `max(${q}) AS ${a}_max`);
      outer.push(`${a}_min`, `${a}_max`);
    } else if (c.kind === 'date' || c.kind === 'timestamp') {
      inner.push(`min(${q})::VARCHAR AS ${a}_min`, `max(${q})::VARCHAR AS ${a}_max`);
      outer.push(`${a}_min`, `${a}_max`);
    }
  });
  const text = `SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${sql.from('*')})`;
  return { text, params: sql.params };
}

function columnStats(c: ColumnInfo, i: number, row: Record<string, unknown>): DescribeColumn {
  const a = `c${i}`;
  const n = count(row[`${a}_n`]);
  return {
    name: c.name,
    type: c.type,
    kind: c.kind,
    count: n,
    nulls: count(row.n) - n,
    distinct: num(row[`${a}_d`]),
    min: value(row[`${a}_min`]),
    max: value(row[`${a}_max`]),
    mean: num(row[`${a}_mean`]),
    sd: num(row[`${a}_sd`]),
    q1: num(row[`${a}_q1`]),
    median: num(row[`${a}_q2`]),
    q3: num(row[`${a}_q3`]),
    ...(count(row[`${a}_nf`]) > 0 ? { non_finite: count(row[`${a}_nf`]) } : {}),
  };
}

/** Equal-width edges over [min, max]; one bin when every value is the same. */
function edgesFor(min: number, max: number, bins: number): number[] {
  if (min === max) return [min, max];
  const w = (max - min) / bins;
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * w));
}

/** Counts per bin for several columns in one scan (one grouping set per column); bin = least(floor((x - min) / width), bins - 1). */
async function histograms(
  src: SqlSource,
  items: { col: ColumnInfo; stats: DescribeColumn; edges: number[] }[],
): Promise<Histogram[]> {
  const out: Histogram[] = [];
  for (let start = 0; start < items.length; start += HIST_CHUNK) {
    const batch = items.slice(start, start + HIST_CHUNK);
    const sql = new Sql(src);
    const inner = batch.map(({ col, edges }, i) => {
      const bins = edges.length - 1;
      const min = edges[0];
      const w = bins === 1 ? 1 : (edges[bins] - min) / bins;
      const x = asDouble(col);
      // least() skips NULLs (least(NULL, 9) is 9), so missing values must stay out explicitly.
      return `CASE WHEN ${x} IS NOT NULL THEN least(floor((${x} - ${sql.bind(min, 'DOUBLE')}) / ${sql.bind(w, 'DOUBLE')}), ${bins - 1})::INTEGER END AS h${i}`;
    });
    const hs = batch.map((_, i) => `h${i}`);
    const text = `SELECT ${hs.map((h, i) => `grouping(${h}) AS g${i}`).join(', ')}, ${hs.join(', ')}, count(*) AS n
      FROM ${sql.from(inner.join(', '))} GROUP BY GROUPING SETS (${hs.map((h) => `(${h})`).join(', ')})`;
    const rows = await src.query(text, sql.params);
    const counts = batch.map(({ edges }) => new Array<number>(edges.length - 1).fill(0));
    for (const r of rows) {
      const i = hs.findIndex((_, j) => count(r[`g${j}`]) === 0); // the grouping set this row belongs to
      const bin = num(r[`h${i}`]);
      if (i >= 0 && bin !== null && bin >= 0 && bin < counts[i].length) counts[i][bin] = count(r.n);
    }
    batch.forEach(({ col, edges }, i) =>
      out.push({ column: col.name, edges, counts: counts[i].map((c) => suppress(c, src.minGroupSize)) }),
    );
    checkAborted(src.signal);
  }
  return out;
}

async function topValues(
  src: SqlSource,
  col: ColumnInfo,
  top: number,
): Promise<{ value: string | number | boolean | null; count: number }[]> {
  const sql = new Sql(src);
  const q = quoteIdent(col.name);
  const k = src.minGroupSize ? ` HAVING count(*) >= ${sql.bind(src.minGroupSize, 'BIGINT')}` : '';
  const text = `SELECT ${q} AS v, count(*) AS n FROM ${sql.from(q, [`${q} IS NOT NULL`])} GROUP BY ${q}${k} ORDER BY n DESC, v LIMIT ${sql.bind(top, 'BIGINT')}`;
  const rows = await src.query(text, sql.params);
  return rows.map((r) => ({ value: value(r.v), count: count(r.n) }));
}

function suppressed({ non_finite: _counted, ...s }: DescribeColumn): DescribeColumn {
  return {
    ...s,
    count: null,
    nulls: null,
    distinct: null,
    min: null,
    max: null,
    mean: null,
    sd: null,
    q1: null,
    median: null,
    q3: null,
    suppressed: true,
  };
}

export async function describe(src: SqlSource, o: SpecOf<'describe'>): Promise<DescribeResult> {
  const names = [...new Set(o.columns ?? src.columns.map((c) => c.name))];
  const cols = names.map((n) => column(src, n));
  const step = stepper(src, 0, 100);
  const k = src.minGroupSize;
  const stats: DescribeColumn[] = [];
  let rows = 0;
  const chunks: ColumnInfo[][] = [];
  for (let start = 0; start < cols.length; start += STATS_CHUNK) chunks.push(cols.slice(start, start + STATS_CHUNK));
  if (chunks.length === 0) chunks.push([]); // still count the rows
  for (const [j, chunk] of chunks.entries()) {
    const q = statsSql(src, chunk);
    const [row] = await src.query(q.text, q.params);
    rows = count(row.n);
    chunk.forEach((c, i) => stats.push(columnStats(c, i, row)));
    checkAborted(src.signal);
    step((0.5 * (j + 1)) / chunks.length, 'column statistics');
  }

  const hidden = (s: DescribeColumn) => k !== undefined && s.count !== null && s.count > 0 && s.count < k;
  const numeric = cols
    .map((col, i) => ({ col, stats: stats[i] }))
    .filter(
      ({ col, stats: s }) =>
        col.kind === 'number' && !hidden(s) && typeof s.min === 'number' && typeof s.max === 'number',
    )
    .map(({ col, stats: s }) => {
      // Under a data owner's policy the outer edges are round numbers beyond the data: exact ones would be its min and max.
      const range = src.disclosure
        ? niceRange(s.min as number, s.max as number)
        : { min: s.min as number, max: s.max as number };
      return { col, stats: s, edges: edgesFor(range.min, range.max, o.bins) };
    });
  const charts = await histograms(src, numeric);
  step(0.75, 'histograms');

  const texts = cols
    .map((c, i) => ({ c, i }))
    .filter(({ c, i }) => (c.kind === 'string' || c.kind === 'boolean') && !hidden(stats[i]));
  for (const [j, { c, i }] of texts.entries()) {
    stats[i].top = await topValues(src, c, o.top);
    checkAborted(src.signal);
    step(0.75 + (0.25 * (j + 1)) / texts.length, 'top values');
  }
  return {
    analysis: 'describe',
    rows_used: rows,
    columns: stats.map((s) => (hidden(s) ? suppressed(s) : s)),
    charts: { histograms: charts },
  };
}
