// The whole row result of an op 100 or 200 task as a Parquet file, written by DuckDB itself (streaming, larger than memory).
import type { FetchParams, FilterParams } from '@simpul/protocol';
import { column, quoteIdent, sqlString } from '../analysis/sql.ts';
import type { OpContext } from '../ops/context.ts';
import { asTaskFailure, sqlSource } from '../ops/sql-source.ts';

export const ROWS_FILE = { format: 'parquet', content_type: 'application/vnd.apache.parquet', extension: 'parquet' } as const;

/**
 * op 200: every matching row (from the first, whatever page was asked for); op 100: the page asked for. Both in the
 * task's column order and sort order, and never more rows than the data owner's `max_rows`. Returns the rows written.
 */
export async function writeRowsFile(ctx: OpContext<100> | OpContext<200>, outPath: string): Promise<number> {
  const p: FetchParams | FilterParams = ctx.params;
  try {
    const src = await sqlSource(ctx, p.dataset, ['where' in p ? p.where : undefined]);
    const cols = (p.columns ?? src.columns.map((c) => c.name)).map((n) => quoteIdent(column(src, n).name));
    const order = (p.order_by ?? []).map((o) => `${quoteIdent(column(src, o.column).name)} ${o.direction === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`);
    const cap = ctx.engine.policy(p.dataset)?.max_rows;
    const limit = ctx.op === 100 ? Math.min(p.limit, cap ?? Infinity) : cap;
    const offset = ctx.op === 100 ? p.offset : 0;
    // Integers the runner computed, not the analyst's text; the filter's values stay bound parameters.
    const page = `${limit === undefined ? '' : ` LIMIT ${Math.floor(limit)}`}${offset ? ` OFFSET ${Math.floor(offset)}` : ''}`;
    const select = `SELECT ${cols.join(', ')} FROM ${src.relation}${src.where ? ` WHERE ${src.where.sql}` : ''}${order.length ? ` ORDER BY ${order.join(', ')}` : ''}${page}`;
    const rows = await src.query(`COPY (${select}) TO ${sqlString(outPath)} (FORMAT parquet)`, src.where?.params ?? []);
    return Number(rows[0]?.Count ?? rows[0]?.count ?? 0);
  } catch (e) {
    throw asTaskFailure(e);
  }
}
