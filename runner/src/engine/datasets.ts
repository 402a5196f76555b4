// Local datasets as DuckDB views: the FROM clause for each format, and the schema the runner advertises.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnInfo, DatasetInfo } from '@simpul/protocol';
import { z } from 'zod';
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

/** Arguments of read_csv / sniff_csv for a CSV or TSV dataset: the path and the owner's overrides, as quoted literals. */
function csvArgs(d: DatasetConfig): string {
  const args = [sqlString(d.path)];
  const delim = d.delimiter ?? (d.format === 'tsv' ? '\t' : undefined);
  if (delim !== undefined) args.push(`delim = ${sqlString(delim)}`);
  if (d.header !== undefined) args.push(`header = ${d.header ? 'true' : 'false'}`);
  return args.join(', ');
}

/** The table function call that reads the file(s); config values travel only as quoted literals. */
export function sourceSql(d: DatasetConfig): string {
  const path = sqlString(d.path);
  switch (d.format) {
    case 'csv':
    case 'tsv':
      return `read_csv(${csvArgs(d)})`;
    case 'parquet':
      return `read_parquet(${path})`;
    case 'json':
      return `read_json_auto(${path})`;
    case 'ndjson':
      return `read_json_auto(${path}, format = 'newline_delimited')`;
  }
}

const SniffRow = z.object({
  Delimiter: z.string(),
  HasHeader: z.boolean(),
  SkipRows: z.number().int().min(0),
  Columns: z.array(z.object({ name: z.string(), type: z.string() })).min(1),
  DateFormat: z.string().nullable(),
  TimestampFormat: z.string().nullable(),
});

// Type names DuckDB's sniffer reports (e.g. DOUBLE, DECIMAL(18,3), TIMESTAMP WITH TIME ZONE); anything else stays auto-detected.
const TYPE_NAME = /^[A-Z][A-Z0-9_ ]*(\(\d+(,\s*\d+)?\))?$/;

/**
 * A CSV read with auto-detection sniffs the file again on every query (~40 ms even for a small file). Sniff once here and
 * pin what it found, so each task pays only for reading. Globs keep auto-detection: their files may differ.
 */
async function pinnedCsvSource(conn: DuckDBConnection, d: DatasetConfig): Promise<string | null> {
  if (/[*?[]/.test(d.path)) return null;
  const sniff = await conn.runAndReadAll(`SELECT * FROM sniff_csv(${csvArgs(d)})`);
  const parsed = SniffRow.safeParse(sniff.getRowObjectsJson()[0]);
  if (!parsed.success || !parsed.data.Columns.every((c) => TYPE_NAME.test(c.type))) return null;
  const s = parsed.data;
  const opts = [
    'auto_detect = false',
    `delim = ${sqlString(s.Delimiter)}`,
    `header = ${s.HasHeader ? 'true' : 'false'}`,
    `skip = ${s.SkipRows}`,
    `columns = {${s.Columns.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(', ')}}`,
  ];
  if (s.DateFormat) opts.push(`dateformat = ${sqlString(s.DateFormat)}`);
  if (s.TimestampFormat) opts.push(`timestampformat = ${sqlString(s.TimestampFormat)}`);
  return `read_csv(${sqlString(d.path)}, ${opts.join(', ')})`;
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
    const source = d.format === 'csv' || d.format === 'tsv' ? ((await pinnedCsvSource(conn, d)) ?? sourceSql(d)) : sourceSql(d);
    await conn.run(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${source}`);
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
