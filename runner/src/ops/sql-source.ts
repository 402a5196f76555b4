// Adapts one task's DuckDB session and dataset to the SqlSource that analyses, exports and federated rounds use, and
// measures the query set (rows selected, rows left out) that the release gate checks.
import type { FilterExpr } from '@simpul/protocol';
import { AnalysisError } from '../analysis/errors.ts';
import type { SqlSource } from '../analysis/types.ts';
import type { QuerySet } from '../disclosure/facts.ts';
import { cellKeyOf, recordKeySql } from '../disclosure/record-key.ts';
import type { BindValue } from '../engine/sql-dialect.ts';
import { TaskFailure } from '../errors.ts';
import type { OpContext } from './context.ts';
import { minGroupSize } from '../policy/group-size.ts';

/**
 * `wheres` are ANDed. For files the relation is the dataset's view and the filter is compiled to DuckDB SQL; for a database
 * the filter runs there and the relation is a temporary table of the matching rows. Under a policy, a filtered task's
 * query set is measured first and checked by the gate before any statistic is computed.
 */
export async function sqlSource(
  ctx: OpContext,
  dataset: string,
  wheres: (FilterExpr | undefined)[],
  opts: { selectedFromResult?: boolean } = {},
): Promise<SqlSource & { querySet?: QuerySet }> {
  const ds = ctx.engine.dataset(dataset);
  const filters = wheres.filter((w): w is FilterExpr => w !== undefined);
  const gate = ctx.gate;
  let querySet: QuerySet | undefined;
  // An analysis whose rows_used is exactly the rows the filter selects (describe) saves the counting scan: the gate
  // checks its query set once the result is in (nothing leaves before), against the dataset's known row count.
  const total = ds.info.row_count;
  if (gate.policy && filters.length && opts.selectedFromResult && total !== null && gate.policy.counts !== 'cell_key') {
    querySet = { filtered: true, selected: Number.NaN, total };
  } else if (gate.policy && filters.length) {
    ctx.progress(1, 'checking the query set');
    const { total, matched } = await ds.count(ctx.db, filters.length > 1 ? { and: filters } : filters[0]);
    querySet = { filtered: true, selected: matched ?? total, total };
    gate.checkQuerySet(querySet);
  }
  const rel = await ds.relation(ctx.db, filters, (m) => ctx.progress(1, m));
  const cellKeys = gate.policy?.counts === 'cell_key';
  const recordKey = cellKeys ? recordKeySql(ds.columns, gate.salt) : undefined;
  const src: SqlSource & { querySet?: QuerySet } = {
    relation: rel.relation,
    columns: ds.columns,
    where: rel.where,
    dataset: ds.name,
    signal: ctx.signal,
    progress: (p, m, until) => ctx.progress(p, m, until),
    minGroupSize: minGroupSize(ctx.engine.policy(dataset)), // k = 5 once a policy is set
    ...(gate.policy
      ? {
          disclosure: {
            ...(recordKey ? { recordKey } : {}),
            ...(gate.policy.dominance ? { dominanceN: gate.policy.dominance.n } : {}),
          },
        }
      : {}),
    async query(sql, params = []) {
      const r = await ctx.db.query(sql, params as BindValue[]);
      const names = r.columns.map((c) => c.name);
      return r.rows.map((row) => Object.fromEntries(row.map((v, i) => [names[i], v])));
    },
  };
  if (gate.policy) {
    // Without a filter the query set is the whole dataset; its key still seeds the keys of cells not keyed row by row.
    querySet ??= { filtered: false, selected: ds.info.row_count ?? 0, total: ds.info.row_count ?? 0 };
    if (recordKey) {
      const [row] = await src.query(
        `SELECT sum(${recordKey}) AS ck FROM ${rel.relation}${rel.where ? ` WHERE ${rel.where.sql}` : ''}`,
        rel.where?.params ?? [],
      );
      querySet.cellKey = cellKeyOf(row?.ck);
    }
    src.querySet = querySet;
  }
  return src;
}

/** Analysis errors carry a task failure code; keep it. */
export function asTaskFailure(e: unknown): unknown {
  return e instanceof AnalysisError ? new TaskFailure(e.code, e.message, e.details) : e;
}
