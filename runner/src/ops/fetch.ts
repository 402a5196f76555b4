// op 100: a page of raw rows.
import type { RowsResult } from '@simpul/protocol';
import type { OpContext } from './context.ts';
import { orderClause, pageLimit, selectList } from './rows.ts';

export async function fetchRows(ctx: OpContext<100>): Promise<RowsResult> {
  const { params: p, db } = ctx;
  const ds = ctx.engine.dataset(p.dataset);
  const select = selectList(ds, p.columns);
  const order = orderClause(ds, p.order_by);
  ctx.progress(10, 'counting rows');
  const total = Number(await db.scalar(`SELECT COUNT(*) FROM ${ds.view}`));
  ctx.progress(40, 'reading rows');
  const page = await db.query(`SELECT ${select.sql} FROM ${ds.view}${order} LIMIT $1 OFFSET $2`, [pageLimit(ds, p.limit), p.offset]);
  ctx.progress(90, `read ${page.rows.length} rows`);
  return { columns: select.columns.length ? select.columns : page.columns, rows: page.rows, total_rows: total, offset: p.offset };
}
