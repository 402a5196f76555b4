// op 100: a page of raw rows.
import type { UnreleasedOf } from '../disclosure/facts.ts';
import { thousands } from '../progress-steps.ts';
import type { OpContext } from './context.ts';
import { pageCounts, pageLimit } from './rows.ts';

export async function fetchRows(ctx: OpContext<100>): Promise<UnreleasedOf<100>> {
  const { params: p, db } = ctx;
  const ds = ctx.engine.dataset(p.dataset);
  // Names are checked before any SQL runs: an unknown column fails the task without touching the data.
  for (const c of [...(p.columns ?? []), ...(p.order_by ?? []).map((o) => o.column)]) ds.column(c);
  ctx.progress(5, 'counting rows', 40);
  const { total } = await ds.count(db);
  ctx.progress(40, 'reading rows', 90);
  const page = await ds.page(db, {
    columns: p.columns,
    orderBy: p.order_by,
    limit: pageLimit(ds, p.limit),
    offset: p.offset,
  });
  ctx.progress(90, `read ${thousands(page.rows.length)} rows`);
  return {
    kind: 'rows',
    op: 100,
    result: {
      columns: page.columns,
      rows: page.rows,
      total_rows: total,
      offset: p.offset,
      row_counts: pageCounts(p, page.rows.length, total),
    },
  };
}
