// Shared column names: the owner's `columns: { shared: { from: local } }` advertises and serves a local column under the
// name the sites of a study share. Every name an operation gives (columns, filter, order) is a shared name here; the
// source underneath sees its own names, and relations handed to analyses carry the shared names.
import { closeNames, type ColumnInfo, type FilterExpr } from '@simpul/protocol';
import type { DatasetConfig } from '../dataset-config.ts';
import type { DatasetCore } from './datasets.ts';
import { compileAll } from './filter-sql.ts';
import { quoteIdent, resolveColumn } from './sql.ts';

/** The filter with every column name passed through `rename`. */
export function renameFilter(e: FilterExpr, rename: (name: string) => string): FilterExpr {
  if ('and' in e) return { and: e.and.map((k) => renameFilter(k, rename)) };
  if ('or' in e) return { or: e.or.map((k) => renameFilter(k, rename)) };
  if ('not' in e) return { not: renameFilter(e.not, rename) };
  return { ...e, column: rename(e.column) };
}

/**
 * The core under its shared names. A `from` that is not a column of the data, or a shared name that another column
 * already has, fails the dataset at start-up with the config field named.
 */
export function mapColumns(d: DatasetConfig, core: DatasetCore): DatasetCore {
  const map = d.column_map;
  if (!map || Object.keys(map).length === 0) return core;
  const toShared = new Map(Object.entries(map).map(([shared, local]) => [local, shared]));
  const names = core.columns.map((c) => c.name);
  for (const [shared, local] of Object.entries(map)) {
    if (!names.includes(local)) {
      const close = closeNames(local, names);
      throw new Error(
        `columns.${shared}: from "${local}" is not a column of this dataset; ${close.length ? `close names: ${close.join(', ')}` : `its columns are: ${names.slice(0, 30).join(', ')}`}`,
      );
    }
    if (names.includes(shared) && !toShared.has(shared))
      throw new Error(
        `columns.${shared}: the dataset already has a column "${shared}"; map it to another shared name, or rename that one too`,
      );
  }
  const sharedName = (local: string) => toShared.get(local) ?? local;
  const renamed = (c: ColumnInfo): ColumnInfo => ({ ...c, name: sharedName(c.name) });
  const columns = () => core.columns.map(renamed);
  // A name the task gives must be a shared (advertised) name: a renamed local name is unknown, as any other.
  const local = (name: string) => map[resolveColumn(d.name, columns(), name).name] ?? name;
  const localFilter = (w: FilterExpr) => renameFilter(w, local);
  return {
    get columns() {
      return columns();
    },
    get rowCount() {
      return core.rowCount;
    },
    get dialect() {
      return core.dialect;
    },
    get warnings() {
      return core.warnings;
    },
    count: (db, where) => core.count(db, where && localFilter(where)),
    async page(db, q) {
      const r = await core.page(db, {
        ...q,
        ...(q.columns ? { columns: q.columns.map(local) } : {}),
        ...(q.where ? { where: localFilter(q.where) } : {}),
        ...(q.orderBy ? { orderBy: q.orderBy.map((o) => ({ ...o, column: local(o.column) })) } : {}),
      });
      return { columns: r.columns.map(renamed), rows: r.rows };
    },
    async relation(db, wheres, progress) {
      const r = await core.relation(db, wheres.map(localFilter), progress);
      const select = core.columns
        .map((c) =>
          toShared.has(c.name) ? `${quoteIdent(c.name)} AS ${quoteIdent(sharedName(c.name))}` : quoteIdent(c.name),
        )
        .join(', ');
      // A filter the source left to apply is on its own names: it is compiled again on the shared names (same types);
      // one the source already applied (a database's temporary table) is not repeated.
      const where = r.where ? compileAll(wheres, columns(), d.name) : undefined;
      return { relation: `(SELECT ${select} FROM ${r.relation})`, ...(where ? { where } : {}) };
    },
    close: () => core.close(),
  };
}
