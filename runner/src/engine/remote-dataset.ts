// A dataset that lives in a database (SQLite, PostgreSQL): counts and pages are pushed down to it as parameterised SQL;
// analyses get the matching rows streamed into a DuckDB temporary table.
import type { Cell, ColumnInfo } from '@simpul/protocol';
import type { DatasetCore } from './datasets.ts';
import { compileAll, compileFilter } from './filter-sql.ts';
import { countSql, pageSql } from './row-query.ts';
import type { BindValue, Dialect } from './sql-dialect.ts';
import { quoteIdent } from './sql.ts';
import { type LoadType, loadTempTable } from './temp-table.ts';

/** What a database source provides; everything else (SQL, paging, loading) is shared. */
export interface RemoteTable {
  dialect: Dialect;
  relation: string; // the quoted table or view in the source's SQL
  columns: ColumnInfo[];
  /** ` ORDER BY …` that makes pages stable when the analyst asks for no order (e.g. the primary key), or ''. */
  defaultOrder: string;
  /** All rows of a small result (counts, one page), as arrays of raw values. */
  all(sql: string, params: BindValue[], signal: AbortSignal): Promise<unknown[][]>;
  /** The rows of a large result, chunk by chunk; stops (and interrupts the source) when `signal` aborts. */
  stream(sql: string, params: BindValue[], signal: AbortSignal): AsyncIterable<unknown[][]>;
  /** Converts a raw value of the column to a JSON cell. */
  cell(col: ColumnInfo): (v: unknown) => Cell;
  /** How the column is read for loading into DuckDB: the source expression and the DuckDB type it lands in. */
  load(col: ColumnInfo): { expr: string; type: LoadType };
  close(): Promise<void>;
}

export function remoteCore(dataset: string, t: RemoteTable, rowCount: number): DatasetCore {
  const converters = new Map(t.columns.map((c) => [c.name, t.cell(c)]));
  return {
    columns: t.columns,
    rowCount,
    async count(db, where) {
      const w = where ? compileFilter(where, t.columns, dataset, 1, t.dialect) : undefined;
      const q = countSql(t.relation, w);
      const [total, matched] = (await t.all(q.sql, q.params, db.signal))[0].map(Number);
      return { total, matched: w ? matched : total };
    },
    async page(db, q) {
      const s = pageSql(dataset, t.columns, t.relation, t.dialect, q, t.defaultOrder);
      const conv = s.columns.map((c) => converters.get(c.name)!);
      const rows = await t.all(s.sql, s.params, db.signal);
      return { columns: s.columns, rows: rows.map((r) => r.map((v, i) => conv[i](v))) };
    },
    async relation(db, wheres, progress) {
      // The filter runs in the source; only matching rows travel, and the analysis reads them from DuckDB.
      const w = compileAll(wheres, t.columns, dataset, t.dialect);
      const loads = t.columns.map((c) => ({ name: c.name, ...t.load(c) }));
      const sql = `SELECT ${loads.map((l) => l.expr).join(', ')} FROM ${t.relation}${w ? ` WHERE ${w.sql}` : ''}`;
      progress?.(`reading ${w ? 'matching ' : ''}rows from ${t.dialect.name}`);
      let shown = 0;
      const loaded = await loadTempTable(db, loads, t.stream(sql, w?.params ?? [], db.signal), (n) => {
        if (n - shown >= 100_000) progress?.(`read ${(shown = n)} rows from ${t.dialect.name}`);
      });
      progress?.(`read ${loaded.rows} rows from ${t.dialect.name}`);
      return { relation: loaded.relation };
    },
    close: () => t.close(),
  };
}

/** The column itself, as the source names it. */
export const plain = (col: ColumnInfo): string => quoteIdent(col.name);
