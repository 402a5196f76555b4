// The whole row result of an op 100 or 200 task as a Parquet file, written by DuckDB itself (streaming, larger than memory).
import type { FetchParams, FilterParams } from '@simpul/protocol';
import { column, quoteIdent, sqlString } from '../analysis/sql.ts';
import type { OpContext } from '../ops/context.ts';
import { asTaskFailure, sqlSource } from '../ops/sql-source.ts';

export const ROWS_FILE = {
  format: 'parquet',
  content_type: 'application/vnd.apache.parquet',
  extension: 'parquet',
} as const;

export const CSV_FILE = { format: 'csv', content_type: 'text/csv', extension: 'csv' } as const;

/**
 * The page the task asked for (its offset and limit), in the task's column order and sort order, and never more rows than
 * the data owner's `max_rows` or than `rows`, the number the release gate let leave. Returns the rows written.
 */
export async function writeRowsFile(
  ctx: OpContext<100> | OpContext<200>,
  outPath: string,
  rows?: number,
): Promise<number> {
  const p: FetchParams | FilterParams = ctx.params;
  try {
    const src = await sqlSource(ctx, p.dataset, ['where' in p ? p.where : undefined]);
    const cols = (p.columns ?? src.columns.map((c) => c.name)).map((n) => quoteIdent(column(src, n).name));
    const order = (p.order_by ?? []).map(
      (o) => `${quoteIdent(column(src, o.column).name)} ${o.direction === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`,
    );
    const cap = ctx.engine.policy(p.dataset)?.max_rows;
    const limit = Math.min(p.limit, cap ?? Infinity, rows ?? Infinity);
    const offset = p.offset;
    // Integers the runner computed, not the analyst's text; the filter's values stay bound parameters.
    const page = ` LIMIT ${Math.floor(limit)}${offset ? ` OFFSET ${Math.floor(offset)}` : ''}`;
    const select = `SELECT ${cols.join(', ')} FROM ${src.relation}${src.where ? ` WHERE ${src.where.sql}` : ''}${order.length ? ` ORDER BY ${order.join(', ')}` : ''}${page}`;
    const written = await src.query(
      `COPY (${select}) TO ${sqlString(outPath)} (FORMAT parquet)`,
      src.where?.params ?? [],
    );
    return Number(written[0]?.Count ?? written[0]?.count ?? 0);
  } catch (e) {
    throw asTaskFailure(e);
  }
}

/** The same rows as CSV with a header, read back from the Parquet file just written: the two files cannot differ. */
export async function writeCsvCopy(
  ctx: OpContext<100> | OpContext<200>,
  parquetPath: string,
  outPath: string,
): Promise<void> {
  try {
    await ctx.db.query(
      `COPY (SELECT * FROM read_parquet(${sqlString(parquetPath)})) TO ${sqlString(outPath)} (FORMAT csv, HEADER)`,
    );
  } catch (e) {
    throw asTaskFailure(e);
  }
}
