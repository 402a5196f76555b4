// Adapts one task's DuckDB session and dataset to the SqlSource that analyses, exports and federated rounds use.
import type { FilterExpr, Scalar } from '@simpul/protocol';
import { AnalysisError } from '../analysis/errors.ts';
import type { SqlSource } from '../analysis/types.ts';
import { compileFilter } from '../engine/filter-sql.ts';
import { TaskFailure } from '../errors.ts';
import type { OpContext } from './context.ts';

/** `wheres` are ANDed; each is compiled to parameterised SQL against the dataset's columns. */
export function sqlSource(ctx: OpContext, dataset: string, wheres: (FilterExpr | undefined)[]): SqlSource {
  const ds = ctx.engine.dataset(dataset);
  const given = wheres.filter((w): w is FilterExpr => w !== undefined);
  const where = given.length === 0 ? undefined : compileFilter(given.length === 1 ? given[0] : { and: given }, ds.columns, ds.name);
  return {
    relation: ds.view,
    columns: ds.columns,
    where,
    dataset: ds.name,
    signal: ctx.signal,
    progress: (p, m) => ctx.progress(p, m),
    minGroupSize: ctx.engine.policy(dataset)?.min_group_size,
    async query(sql, params = []) {
      const r = await ctx.db.query(sql, params as Scalar[]);
      const names = r.columns.map((c) => c.name);
      return r.rows.map((row) => Object.fromEntries(row.map((v, i) => [names[i], v])));
    },
  };
}

/** Analysis errors carry a task failure code; keep it. */
export function asTaskFailure(e: unknown): unknown {
  return e instanceof AnalysisError ? new TaskFailure(e.code, e.message, e.details) : e;
}
