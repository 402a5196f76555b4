// Local datasets as DuckDB views: the FROM clause for each format, and the schema the runner advertises.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnInfo, DatasetInfo } from '@simpul/protocol';
import type { DatasetConfig } from '../config.ts';
import { errorMessage } from '../errors.ts';
import { type CellConverter, cellConverter, kindOf } from './cells.ts';
import { quoteIdent, resolveColumn, sqlString } from './sql.ts';

/** A dataset the engine can query: its view, columns and per-column cell converters. */
export interface Dataset {
  name: string;
  view: string; // quoted identifier of the DuckDB view
  config: DatasetConfig;
  columns: ColumnInfo[];
  converters: Map<string, CellConverter>;
  info: DatasetInfo; // what the hub is told
  /** The column called `name`, or a task failure `unknown_column`. */
  column(name: string): ColumnInfo;
}

/** The table function call that reads the file(s); config values travel only as quoted literals. */
export function sourceSql(d: DatasetConfig): string {
  const path = sqlString(d.path);
  const csvOptions = (delim: string | undefined) => {
    const opts: string[] = [];
    if (delim !== undefined) opts.push(`delim = ${sqlString(delim)}`);
    if (d.header !== undefined) opts.push(`header = ${d.header ? 'true' : 'false'}`);
    return opts.length ? `, ${opts.join(', ')}` : '';
  };
  switch (d.format) {
    case 'csv':
      return `read_csv(${path}${csvOptions(d.delimiter)})`;
    case 'tsv':
      return `read_csv(${path}${csvOptions(d.delimiter ?? '\t')})`;
    case 'parquet':
      return `read_parquet(${path})`;
    case 'json':
      return `read_json_auto(${path})`;
    case 'ndjson':
      return `read_json_auto(${path}, format = 'newline_delimited')`;
  }
}

/** Create the view, read its schema and row count. A dataset that cannot be opened is still advertised, with its error. */
export async function openDataset(conn: DuckDBConnection, d: DatasetConfig): Promise<Dataset> {
  const view = quoteIdent(d.name);
  const dataset: Dataset = {
    name: d.name,
    view,
    config: d,
    columns: [],
    converters: new Map(),
    info: { name: d.name, columns: [], row_count: null, format: d.format, ...(d.policy ? { policy: d.policy } : {}) },
    column: (name) => resolveColumn(d.name, dataset.columns, name),
  };
  try {
    await conn.run(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${sourceSql(d)}`);
    const probe = await conn.run(`SELECT * FROM ${view} LIMIT 0`);
    const names = probe.columnNames();
    const types = probe.columnTypes();
    names.forEach((name, i) => {
      dataset.columns.push({ name, type: types[i].toString().slice(0, 256), kind: kindOf(types[i]) });
      dataset.converters.set(name, cellConverter(types[i]));
    });
    const count = await conn.runAndReadAll(`SELECT COUNT(*) FROM ${view}`);
    dataset.info.columns = dataset.columns.slice(0, 2000);
    dataset.info.row_count = Number(count.getRows()[0][0]);
  } catch (e) {
    dataset.columns = [];
    dataset.info.error = errorMessage(e).split('\n')[0].slice(0, 1000);
  }
  return dataset;
}
