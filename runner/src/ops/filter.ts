// op 200: rows matching a filter expression: how many, and the requested page (the filter runs where the data lives).
import type { QuerySet, UnreleasedOf } from '../disclosure/facts.ts';
import { cellKeyOf, recordKeySql } from '../disclosure/record-key.ts';
import { thousands } from '../progress-steps.ts';
import type { OpContext } from './context.ts';
import { pageCounts, pageLimit } from './rows.ts';

export async function filterRows(ctx: OpContext<200>): Promise<UnreleasedOf<200>> {
  const { params: p, db } = ctx;
  const ds = ctx.engine.dataset(p.dataset);
  // Names are checked before any SQL runs: an unknown column fails the task without touching the data.
  for (const c of [...(p.columns ?? []), ...(p.order_by ?? []).map((o) => o.column)]) ds.column(c);
  ctx.progress(5, 'counting matches', 50);
  const { total, matched } = await ds.count(db, p.where);
  // The gate refuses a query set that is too small (or all but a few rows) before any row is read.
  const querySet: QuerySet = { filtered: true, selected: matched ?? total, total };
  ctx.gate.checkQuerySet(querySet);
  if (ctx.gate.policy?.counts === 'cell_key') {
    const src = await ds.relation(db, [p.where]);
    const [row] = (
      await db.query(
        `SELECT sum(${recordKeySql(ds.columns, ctx.gate.salt)}) AS ck FROM ${src.relation}${src.where ? ` WHERE ${src.where.sql}` : ''}`,
        (src.where?.params ?? []) as never,
      )
    ).rows;
    querySet.cellKey = cellKeyOf(row?.[0]);
  }
  ctx.progress(50, `${thousands(matched ?? total)} of ${thousands(total)} rows match`, 90);
  const page = await ds.page(db, {
    columns: p.columns,
    where: p.where,
    orderBy: p.order_by,
    limit: pageLimit(ds, p.limit),
    offset: p.offset,
  });
  ctx.progress(90, `read ${thousands(page.rows.length)} rows`);
  return {
    kind: 'rows',
    op: 200,
    querySet,
    result: {
      columns: page.columns,
      rows: page.rows,
      total_rows: total,
      matched_rows: matched,
      offset: p.offset,
      row_counts: pageCounts(p, page.rows.length, matched ?? total),
    },
  };
}
