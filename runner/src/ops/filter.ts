// op 200: rows matching a filter expression: how many, and the requested page.
import type { RowsResult } from '@simpul/protocol';
import { compileFilter } from '../engine/filter-sql.ts';
import type { OpContext } from './context.ts';
import { orderClause, pageLimit, selectList } from './rows.ts';

export async function filterRows(ctx: OpContext<200>): Promise<RowsResult> {
  const { params: p, db } = ctx;
  const ds = ctx.engine.dataset(p.dataset);
  // Every name is checked before any SQL runs: an unknown column fails the task without touching the data.
  const where = compileFilter(p.where, ds.columns, ds.name);
  const select = selectList(ds, p.columns);
  const order = orderClause(ds, p.order_by);
  ctx.progress(10, 'counting matches');
  const counts = await db.query(`SELECT COUNT(*), COUNT(*) FILTER (WHERE ${where.sql}) FROM ${ds.view}`, where.params);
  const [total, matched] = counts.rows[0].map(Number);
  ctx.progress(50, `${matched} of ${total} rows match`);
  const n = where.params.length;
  const page = await db.query(
    `SELECT ${select.sql} FROM ${ds.view} WHERE ${where.sql}${order} LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...where.params, pageLimit(ds, p.limit), p.offset],
  );
  ctx.progress(90, `read ${page.rows.length} rows`);
  return {
    columns: select.columns.length ? select.columns : page.columns,
    rows: page.rows,
    total_rows: total,
    matched_rows: matched,
    offset: p.offset,
  };
}
