// Dataset entries of the runner config: files (one, a glob or a folder), a SQLite table, a PostgreSQL table or view.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DatasetName, DatasetPolicy } from '@simpul/protocol';
import { z } from 'zod';
import { ENCODINGS } from './engine/csv-prepare.ts';

export const FILE_FORMATS = ['csv', 'tsv', 'parquet', 'json', 'ndjson', 'arrow', 'xlsx', 'sav'] as const;
export const DATASET_FORMATS = [...FILE_FORMATS, 'sqlite', 'postgres'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

// A DuckDB type name such as INTEGER, DOUBLE, VARCHAR, DATE, TIMESTAMP, DECIMAL(10,2); it travels to DuckDB as a quoted literal.
const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_ ]{0,63}(\(\d+(,\s*\d+)?\))?$/;

/** A column under a shared name: `{ from: local_name }`. */
const ColumnFrom = z.object({ from: z.string().min(1).max(256) }).strict();

export const DatasetEntry = z
  .object({
    name: DatasetName, // what tasks call it
    path: z.string().min(1).optional(), // a file, glob or folder of files, or a SQLite file; relative to the config file's folder
    format: z.enum(DATASET_FORMATS).optional(), // default: from the extension (of the file, or of the files in the folder)
    delimiter: z.string().min(1).max(4).optional(), // CSV/TSV: default auto-detected (TSV: tab)
    header: z.boolean().optional(), // CSV/TSV: default auto-detected
    decimal_separator: z.enum(['.', ',']).optional(), // CSV/TSV: ',' reads 1,5 as a number (a delimiter other than ',' then)
    encoding: z.enum(ENCODINGS).optional(), // CSV/TSV: default detected (a BOM, valid UTF-8, otherwise Windows-1252)
    quote: z.string().max(1).optional(), // CSV/TSV: the quote character, default detected ("" for none)
    escape: z.string().max(1).optional(), // CSV/TSV: the character before a quote inside a quoted field, default detected
    comment: z.string().min(1).max(1).optional(), // CSV/TSV: lines starting with it are skipped, e.g. "#"
    skip_rows: z.number().int().min(0).max(1_000_000).optional(), // CSV/TSV: lines before the header (a title, notes)
    thousands_separator: z.enum(['.', ',', ' ', "'", '_']).optional(), // CSV/TSV: 1.234.567 or 1,234,567 read as numbers
    sheet: z.string().min(1).max(256).optional(), // xlsx: the sheet to read (default: the first)
    null_values: z.array(z.string().max(64)).min(1).max(32).optional(), // CSV/TSV: texts that mean "no value", e.g. [NA, ""] (replaces the default: the empty field)
    // CSV/TSV: column → type, instead of the inferred one. Any format: shared name → { from: local name }, the column
    // advertised and served under the name the sites of a study share.
    columns: z
      .record(
        z.string().min(1).max(256),
        z.union([z.string().regex(TYPE_NAME, 'a DuckDB type such as INTEGER, DOUBLE, VARCHAR, DATE'), ColumnFrom]),
      )
      .optional(),
    table: z.string().min(1).max(256).optional(), // sqlite: table or view; postgres: [schema.]table or view (names as written, case-sensitive)
    connection: z.string().min(1).max(4096).optional(), // postgres: connection string, e.g. postgres://user@host/db (prefer connection_env)
    connection_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(), // postgres: variable holding the connection string
    policy: DatasetPolicy.optional(), // the data owner's rules, enforced here and advertised to the hub
  })
  .strict();
export type DatasetEntry = z.infer<typeof DatasetEntry>;

interface Common {
  name: string;
  policy?: DatasetPolicy;
  /** Shared name → the dataset's own (local) column name: the column is advertised and served under the shared name. */
  column_map?: Record<string, string>;
}
export interface FileDatasetConfig extends Common {
  format: FileFormat;
  path: string; // absolute: a file, a glob, or a folder (all its files of this format, subfolders included)
  delimiter?: string;
  header?: boolean;
  decimal_separator?: '.' | ',';
  null_values?: string[];
  encoding?: (typeof ENCODINGS)[number];
  quote?: string;
  escape?: string;
  comment?: string;
  skip_rows?: number;
  thousands_separator?: '.' | ',' | ' ' | "'" | '_';
  sheet?: string;
  columns?: Record<string, string>;
}
export interface SqliteDatasetConfig extends Common {
  format: 'sqlite';
  path: string;
  table: string;
}
export interface PostgresDatasetConfig extends Common {
  format: 'postgres';
  connection: string;
  table: string;
}
export type DatasetConfig = FileDatasetConfig | SqliteDatasetConfig | PostgresDatasetConfig;

/** File name endings of each file format (compressed CSV and JSON are read as they are). */
export const EXTENSIONS: Record<FileFormat, string[]> = {
  csv: ['.csv', '.csv.gz', '.csv.zst'],
  tsv: ['.tsv', '.tab', '.tsv.gz', '.tab.gz'],
  parquet: ['.parquet', '.pq'],
  json: ['.json', '.json.gz'],
  ndjson: ['.ndjson', '.jsonl', '.ndjson.gz', '.jsonl.gz'],
  arrow: ['.arrow', '.feather', '.ipc', '.arrows'],
  xlsx: ['.xlsx'],
  sav: ['.sav'],
};

export function formatFromPath(path: string): DatasetFormat | null {
  const p = path.toLowerCase();
  for (const f of FILE_FORMATS) if (EXTENSIONS[f].some((e) => p.endsWith(e))) return f;
  if (/\.(sqlite3?|db)$/.test(p)) return 'sqlite';
  return null;
}

export const isGlob = (p: string) => /[*?[]/.test(p);
export const isFileFormat = (f: DatasetFormat): f is FileFormat => (FILE_FORMATS as readonly string[]).includes(f);

/** Data files under a folder, subfolders included (hidden entries skipped). */
export function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => resolve(e.parentPath, e.name))
    .filter(
      (p) =>
        !p
          .slice(dir.length)
          .split('/')
          .some((part) => part.startsWith('.')),
    )
    .sort();
}

/** The format of a folder's data files, when they share one. */
function folderFormat(dir: string): { format?: FileFormat; problem?: string } {
  const found = new Set<FileFormat>();
  for (const f of filesIn(dir)) {
    const fmt = formatFromPath(f);
    if (fmt && isFileFormat(fmt)) found.add(fmt);
  }
  if (found.size === 1) return { format: [...found][0] };
  if (!found.size) return { problem: `no data files (${FILE_FORMATS.join(', ')}) in folder ${dir}` };
  return { problem: `folder ${dir} holds ${[...found].join(' and ')} files; set format to say which to read` };
}

const ONLY = {
  csv: [
    'delimiter',
    'header',
    'decimal_separator',
    'null_values',
    'columns',
    'encoding',
    'quote',
    'escape',
    'comment',
    'skip_rows',
    'thousands_separator',
  ],
  sheet: ['sheet'],
  db: ['table'],
  pg: ['connection', 'connection_env'],
} as const;

/** `columns:` split into CSV type overrides (name → type) and shared names (shared → local); each undefined when empty. */
function splitColumns(columns: DatasetEntry['columns']): {
  types?: Record<string, string>;
  map?: Record<string, string>;
} {
  const types: Record<string, string> = {};
  const map: Record<string, string> = {};
  for (const [name, v] of Object.entries(columns ?? {})) {
    if (typeof v === 'string') types[name] = v;
    else map[name] = v.from;
  }
  return { ...(Object.keys(types).length ? { types } : {}), ...(Object.keys(map).length ? { map } : {}) };
}

/** Checks one entry and resolves its path, format and connection; problems are readable lines naming the entry. */
export function resolveDataset(
  e: DatasetEntry,
  at: string,
  base: string,
  env: NodeJS.ProcessEnv,
  problems: string[],
): DatasetConfig | null {
  const bad = (field: string, msg: string) => problems.push(`${at}.${field}: ${msg}`);
  const path = e.path === undefined ? undefined : resolve(base, e.path);
  let format: DatasetFormat | undefined = e.format ?? (e.connection || e.connection_env ? 'postgres' : undefined);
  const dir = path !== undefined && !isGlob(path) && existsSync(path) && statSync(path).isDirectory();
  if (!format && path !== undefined) {
    if (dir) {
      const f = folderFormat(path);
      format = f.format;
      if (f.problem) return (bad('format', f.problem), null);
    } else format = formatFromPath(path) ?? undefined;
  }
  const unread = path !== undefined && /\.(xls|xlsb|ods|zsav|por)$/i.exec(path)?.[1].toLowerCase();
  if (!format && unread)
    return (
      bad(
        'path',
        `${unread} files are not read: save the data as ${/^(zsav|por)$/.test(unread) ? 'an uncompressed .sav' : '.xlsx'} or CSV`,
      ),
      null
    );
  if (!format)
    return (
      bad(
        'format',
        `cannot tell the format of ${path ?? e.name} from its extension; set format to one of ${DATASET_FORMATS.join(', ')}`,
      ),
      null
    );
  const before = problems.length;
  const notFor = (fields: readonly string[], what: string) => {
    for (const f of fields)
      if (e[f as keyof DatasetEntry] !== undefined) bad(f, `applies to ${what} datasets only, not ${format}`);
  };
  const { types, map } = splitColumns(e.columns);
  if (format !== 'csv' && format !== 'tsv') {
    notFor(
      ONLY.csv.filter((f) => f !== 'columns'),
      'CSV/TSV',
    );
    for (const [name, type] of Object.entries(types ?? {}))
      bad(
        `columns.${name}`,
        `a type (${type}) applies to CSV/TSV datasets only, not ${format}; other formats take { from: local_name } here`,
      );
  }
  if (map) {
    const froms = Object.values(map);
    const twice = froms.find((f, i) => froms.indexOf(f) !== i);
    if (twice !== undefined) bad('columns', `"${twice}" is the "from" of two shared names`);
  }
  const extra = map ? { column_map: map } : {};
  if (format !== 'xlsx') notFor(ONLY.sheet, 'xlsx');
  if (e.thousands_separator !== undefined && e.thousands_separator === (e.decimal_separator ?? '.'))
    bad('thousands_separator', 'must differ from the decimal separator');
  if (e.decimal_separator === ',' && e.delimiter === ',')
    bad('decimal_separator', 'a decimal comma needs another delimiter, e.g. ";"');
  if (format !== 'sqlite' && format !== 'postgres') notFor(ONLY.db, 'sqlite and postgres');
  if (format !== 'postgres') notFor(ONLY.pg, 'postgres');

  if (format === 'postgres') {
    if (path !== undefined) bad('path', 'a postgres dataset has a connection (or connection_env), not a path');
    if (!e.table) bad('table', 'name the table or view to read, e.g. public.patients');
    if (e.connection && e.connection_env) bad('connection', 'give connection or connection_env, not both');
    const connection = e.connection ?? (e.connection_env ? env[e.connection_env] : undefined);
    if (!e.connection && !e.connection_env)
      bad('connection', 'give a connection string, or connection_env: the variable that holds one');
    else if (!connection) bad('connection_env', `environment variable ${e.connection_env} is not set`);
    if (problems.length > before || !connection || !e.table) return null;
    return { name: e.name, format, connection, table: e.table, ...(e.policy ? { policy: e.policy } : {}), ...extra };
  }
  if (path === undefined) return (bad('path', `a ${format} dataset needs a path`), null);
  if (format === 'sqlite') {
    if (!e.table) bad('table', 'name the table or view to read');
    if (!existsSync(path)) bad('path', `file not found: ${path}`);
    else if (!statSync(path).isFile()) bad('path', `not a file: ${path}`);
    if (problems.length > before || !e.table) return null;
    return { name: e.name, format, path, table: e.table, ...(e.policy ? { policy: e.policy } : {}), ...extra };
  }
  if (!isGlob(path) && !existsSync(path)) bad('path', `file not found: ${path}`);
  if (problems.length > before) return null;
  const { table: _t, connection: _c, connection_env: _ce, columns: _cols, ...rest } = e;
  return { ...rest, path, format, ...(types ? { columns: types } : {}), ...extra };
}
