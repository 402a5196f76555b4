// The data owner's hidden_columns: dropped from the dataset the operations see, so they are never selected, filtered,
// ordered, exported or advertised (not even by name: the advertised policy leaves the list out).
import { type DatasetPolicy, type FilterExpr, filterColumns } from '@simpul/protocol';
import type { DatasetConfig } from '../config.ts';
import type { DatasetCore } from '../engine/datasets.ts';
import { resolveColumn } from '../engine/sql.ts';
import { minGroupSize } from './group-size.ts';

/** The policy as the hub is told it: the k in force, and everything but the names of the hidden columns. */
export function advertisedPolicy(policy: DatasetPolicy): DatasetPolicy {
  const { hidden_columns: _names, ...rest } = policy;
  return { ...rest, min_group_size: minGroupSize(policy) };
}

/**
 * The core with the hidden columns taken out. Every name an operation gives (columns, filter, order) is checked
 * against what is left, so a hidden column is `unknown_column`, exactly like one that does not exist. A hidden column
 * that is not in the data is a mistake in the config (a typo would otherwise expose the real column): it fails the
 * dataset at start-up.
 */
export function hideColumns(d: DatasetConfig, core: DatasetCore): DatasetCore {
  const hidden = new Set(d.policy?.hidden_columns ?? []);
  if (hidden.size === 0) return core;
  const missing = [...hidden].filter((h) => !core.columns.some((c) => c.name === h));
  if (missing.length)
    throw new Error(
      `policy.hidden_columns: ${missing.map((m) => JSON.stringify(m)).join(', ')} is not a column of this dataset`,
    );
  const visible = () => core.columns.filter((c) => !hidden.has(c.name));
  const check = (wheres: (FilterExpr | undefined)[], names: string[] = []) => {
    const cols = visible();
    for (const w of wheres) if (w) for (const n of filterColumns(w)) resolveColumn(d.name, cols, n);
    for (const n of names) resolveColumn(d.name, cols, n);
  };
  return {
    get columns() {
      return visible();
    },
    get rowCount() {
      return core.rowCount;
    },
    count: (db, where) => {
      check([where]);
      return core.count(db, where);
    },
    page: (db, q) => {
      const columns = q.columns ?? visible().map((c) => c.name); // never "all columns" of the source
      check([q.where], [...columns, ...(q.orderBy ?? []).map((o) => o.column)]);
      return core.page(db, { ...q, columns });
    },
    relation: (db, wheres, progress) => {
      check(wheres);
      return core.relation(db, wheres, progress);
    },
    close: () => core.close(),
  };
}
