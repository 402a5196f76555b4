// Adapts one task's DuckDB session and dataset to the SqlSource that analyses, exports and federated rounds use.
import type { FilterExpr } from '@simpul/protocol';
import { AnalysisError } from '../analysis/errors.ts';
import type { SqlSource } from '../analysis/types.ts';
import type { BindValue } from '../engine/sql-dialect.ts';
import { TaskFailure } from '../errors.ts';
import type { OpContext } from './context.ts';
import { minGroupSize } from '../policy/group-size.ts';

/**
 * `wheres` are ANDed. For files the relation is the dataset's view and the filter is compiled to DuckDB SQL; for a database
 * the filter runs there and the relation is a temporary table of the matching rows.
 */
export async function sqlSource(ctx: OpContext, dataset: string, wheres: (FilterExpr | undefined)[]): Promise<SqlSource> {
  const ds = ctx.engine.dataset(dataset);
  const rel = await ds.relation(ctx.db, wheres.filter((w): w is FilterExpr => w !== undefined), (m) => ctx.progress(1, m));
  return {
    relation: rel.relation,
    columns: ds.columns,
    where: rel.where,
    dataset: ds.name,
    signal: ctx.signal,
    progress: (p, m) => ctx.progress(p, m),
    minGroupSize: minGroupSize(ctx.engine.policy(dataset)), // k = 5 once a policy is set
    async query(sql, params = []) {
      const r = await ctx.db.query(sql, params as BindValue[]);
      const names = r.columns.map((c) => c.name);
      return r.rows.map((row) => Object.fromEntries(row.map((v, i) => [names[i], v])));
    },
  };
}

/** Analysis errors carry a task failure code; keep it. */
export function asTaskFailure(e: unknown): unknown {
  return e instanceof AnalysisError ? new TaskFailure(e.code, e.message, e.details) : e;
}
