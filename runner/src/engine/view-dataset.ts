// A dataset that is a DuckDB view (files, or Arrow files through their Parquet cache): every query runs in the task's session.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnInfo } from '@simpul/protocol';
import { kindOf } from './cells.ts';
import type { DatasetCore } from './datasets.ts';
import { compileAll, compileFilter } from './filter-sql.ts';
import { countSql, pageSql } from './row-query.ts';
import type { Session } from './session.ts';
import { duckdb } from './sql-dialect.ts';

/** The view's columns (name, DuckDB type, kind) and row count. */
export async function probeView(
  conn: DuckDBConnection,
  view: string,
): Promise<{ columns: ColumnInfo[]; rowCount: number }> {
  const probe = await conn.run(`SELECT * FROM ${view} LIMIT 0`);
  const types = probe.columnTypes();
  const columns = probe
    .columnNames()
    .map((name, i) => ({ name, type: types[i].toString().slice(0, 256), kind: kindOf(types[i]) }));
  const count = await conn.runAndReadAll(`SELECT COUNT(*) FROM ${view}`);
  return { columns, rowCount: Number(count.getRows()[0][0]) };
}

/** `freshen` runs before each query (an Arrow source rebuilds its cache when the file changed, and may update the core). */
export function viewCore(
  dataset: string,
  view: string,
  probed: { columns: ColumnInfo[]; rowCount: number },
  freshen: (db: Session, core: DatasetCore) => Promise<void> = async () => {},
  exactRows: () => number | null = () => null, // the view's rows when known without a query (after freshen)
): DatasetCore {
  const core: DatasetCore = {
    columns: probed.columns,
    rowCount: probed.rowCount,
    async count(db, where) {
      await freshen(db, core);
      const known = where ? null : exactRows();
      if (known !== null) return { total: known, matched: known };
      const w = where ? compileFilter(where, core.columns, dataset) : undefined;
      const q = countSql(view, w);
      const [total, matched] = (await db.query(q.sql, q.params)).rows[0].map(Number);
      return { total, matched: w ? matched : total };
    },
    async page(db, q) {
      await freshen(db, core);
      const s = pageSql(dataset, core.columns, view, duckdb, q);
      const r = await db.query(s.sql, s.params);
      return { columns: s.columns.length ? s.columns : r.columns, rows: r.rows };
    },
    async relation(db, wheres) {
      await freshen(db, core);
      return { relation: view, where: compileAll(wheres, core.columns, dataset) };
    },
    close: async () => {},
  };
  return core;
}
