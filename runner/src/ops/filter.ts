// op 200: rows matching a filter expression: how many, and the requested page (the filter runs where the data lives).
import type { RowsResult } from '@simpul/protocol';
import type { OpContext } from './context.ts';
import { pageLimit } from './rows.ts';

export async function filterRows(ctx: OpContext<200>): Promise<RowsResult> {
  const { params: p, db } = ctx;
  const ds = ctx.engine.dataset(p.dataset);
  // Names are checked before any SQL runs: an unknown column fails the task without touching the data.
  for (const c of [...(p.columns ?? []), ...(p.order_by ?? []).map((o) => o.column)]) ds.column(c);
  ctx.progress(10, 'counting matches');
  const { total, matched } = await ds.count(db, p.where);
  ctx.progress(50, `${matched} of ${total} rows match`);
  const page = await ds.page(db, { columns: p.columns, where: p.where, orderBy: p.order_by, limit: pageLimit(ds, p.limit), offset: p.offset });
  ctx.progress(90, `read ${page.rows.length} rows`);
  return { columns: page.columns, rows: page.rows, total_rows: total, matched_rows: matched, offset: p.offset };
}
