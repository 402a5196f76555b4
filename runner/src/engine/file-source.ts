// CSV, TSV, Parquet and JSON datasets read by DuckDB: one file, a glob, or a folder of files; CSV types may be overridden per column.
import { statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { EXTENSIONS, type FileDatasetConfig, type FileFormat, filesIn, isGlob } from '../dataset-config.ts';
import type { DatasetCore, SourceEnv } from './datasets.ts';
import { FileCache } from './file-cache.ts';
import { closeNames } from '@simpul/protocol';
import { quoteIdent, sqlString } from './sql.ts';
import { probeView, viewCore } from './view-dataset.ts';

/**
 * What DuckDB reads: the file or glob itself, or for a folder one recursive glob per file ending of the format found in it
 * (a glob that matches nothing is an error in DuckDB, so endings with no files are left out).
 */
export function patternsOf(path: string, format: FileFormat): string[] {
  if (isGlob(path) || !statSync(path).isDirectory()) return [path];
  const files = filesIn(path);
  const endings = EXTENSIONS[format].filter((e) => files.some((f) => f.endsWith(e)));
  if (!endings.length) throw new Error(`no ${format} files (${EXTENSIONS[format].join(', ')}) in folder ${path}`);
  return endings.map((e) => `${path.replace(/\/+$/, '')}/**/*${e}`);
}

const pathArg = (patterns: string[]): string => (patterns.length === 1 ? sqlString(patterns[0]) : `[${patterns.map(sqlString).join(', ')}]`);

/** The owner's CSV options, as quoted literals after the path argument. */
function csvOptions(d: FileDatasetConfig): string[] {
  const opts: string[] = [];
  const delim = d.delimiter ?? (d.format === 'tsv' ? '\t' : undefined);
  if (delim !== undefined) opts.push(`delim = ${sqlString(delim)}`);
  if (d.header !== undefined) opts.push(`header = ${d.header ? 'true' : 'false'}`);
  return [...opts, ...readOptions(d)];
}

/** Options that say how values read (not found by sniffing): given to every read of the file, sniffed or pinned. */
function readOptions(d: FileDatasetConfig): string[] {
  const opts: string[] = [];
  if (d.decimal_separator !== undefined) opts.push(`decimal_separator = ${sqlString(d.decimal_separator)}`);
  if (d.null_values !== undefined) opts.push(`nullstr = [${d.null_values.map(sqlString).join(', ')}]`);
  return opts;
}

const struct = (entries: [string, string][]): string => `{${entries.map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`).join(', ')}}`;

/** The table function call that reads the files; config values travel only as quoted literals. */
export function sourceSql(d: FileDatasetConfig, patterns: string[]): string {
  const path = pathArg(patterns);
  switch (d.format) {
    case 'csv':
    case 'tsv': {
      const opts = csvOptions(d);
      if (d.columns) opts.push(`types = ${struct(Object.entries(d.columns))}`);
      return `read_csv(${[path, ...opts].join(', ')})`;
    }
    case 'parquet':
      return `read_parquet(${path})`;
    case 'json':
      return `read_json_auto(${path})`;
    case 'ndjson':
      return `read_json_auto(${path}, format = 'newline_delimited')`;
    case 'arrow':
      throw new Error('Arrow files are read through their Parquet cache'); // arrow-source.ts
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

/** Overridden column names must exist: a typo would otherwise be ignored silently or fail obscurely. */
function checkOverrides(d: FileDatasetConfig, names: string[]): void {
  for (const name of Object.keys(d.columns ?? {})) {
    if (names.includes(name)) continue;
    const close = closeNames(name, names);
    throw new Error(`columns: "${name}" is not a column of ${d.path}; ${close.length ? `close names: ${close.join(', ')}` : `its columns are: ${names.slice(0, 30).join(', ')}`}`);
  }
}

/**
 * A CSV read with auto-detection sniffs the file again on every query (~40 ms even for a small file). Sniff once here and
 * pin what it found (with the owner's type overrides), so each task pays only for reading. Globs keep auto-detection.
 */
async function pinnedCsvSource(conn: DuckDBConnection, d: FileDatasetConfig): Promise<string | null> {
  if (isGlob(d.path) || statSync(d.path).isDirectory()) return null;
  const sniff = await conn.runAndReadAll(`SELECT * FROM sniff_csv(${[sqlString(d.path), ...csvOptions(d)].join(', ')})`);
  const parsed = SniffRow.safeParse(sniff.getRowObjectsJson()[0]);
  if (!parsed.success || !parsed.data.Columns.every((c) => TYPE_NAME.test(c.type))) return null;
  const s = parsed.data;
  checkOverrides(d, s.Columns.map((c) => c.name));
  const opts = [
    'auto_detect = false',
    `delim = ${sqlString(s.Delimiter)}`,
    `header = ${s.HasHeader ? 'true' : 'false'}`,
    `skip = ${s.SkipRows}`,
    `columns = ${struct(s.Columns.map((c) => [c.name, d.columns?.[c.name] ?? c.type]))}`,
    ...readOptions(d),
  ];
  if (s.DateFormat) opts.push(`dateformat = ${sqlString(s.DateFormat)}`);
  if (s.TimestampFormat) opts.push(`timestampformat = ${sqlString(s.TimestampFormat)}`);
  return `read_csv(${sqlString(d.path)}, ${opts.join(', ')})`;
}

/**
 * A JSON key whose values are of mixed kinds (1 in one record, "two" in another) is read as DuckDB's JSON type: its
 * strings would keep their quotes ("\"two\""), so filters and statistics would not find `two`. Such a column reads as
 * text: a string value unquoted, any other value (number, true, an object) as its JSON text.
 */
async function jsonSelectList(conn: DuckDBConnection, source: string): Promise<string> {
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const cols = described.getRowObjectsJson() as { column_name: string; column_type: string }[];
  if (!cols.some((c) => c.column_type === 'JSON')) return '*';
  return cols
    .map(({ column_name: name, column_type: type }) => {
      const q = quoteIdent(name);
      return type === 'JSON' ? `CASE WHEN json_type(${q}) = 'VARCHAR' THEN ${q} ->> '$' ELSE CAST(${q} AS VARCHAR) END AS ${q}` : q;
    })
    .join(', ');
}

/** Creates the dataset's view and reads its schema and row count. */
export async function openFileDataset(d: FileDatasetConfig, env: SourceEnv): Promise<DatasetCore> {
  const view = quoteIdent(d.name);
  const pinned = d.format === 'csv' || d.format === 'tsv' ? await pinnedCsvSource(env.conn, d) : null;
  if (pinned) {
    // One file of known columns: small enough, it is held in memory and reloaded when it changes (file-cache.ts).
    const cache = await FileCache.open(env.connect, d.name, view, d.path, pinned);
    try {
      const core = viewCore(d.name, view, await probeView(env.conn, view), (db) => cache.freshen(db), () => cache.rows);
      core.close = async () => cache.close();
      return core;
    } catch (e) {
      cache.close();
      throw e;
    }
  }
  const source = sourceSql(d, patternsOf(d.path, d.format));
  const select = d.format === 'json' || d.format === 'ndjson' ? await jsonSelectList(env.conn, source) : '*';
  await env.conn.run(`CREATE OR REPLACE VIEW ${view} AS SELECT ${select} FROM ${source}`);
  const probed = await probeView(env.conn, view);
  checkOverrides(d, probed.columns.map((c) => c.name));
  return viewCore(d.name, view, probed);
}
