// CSV, TSV, Parquet and JSON datasets read by DuckDB: one file, a glob, or a folder of files; CSV types may be overridden per column.
import { existsSync, statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { EXTENSIONS, type FileDatasetConfig, type FileFormat, filesIn, isGlob } from '../dataset-config.ts';
import type { DatasetCore, SourceEnv } from './datasets.ts';
import { prepareCsv } from './csv-prepare.ts';
import { ownerOptions, planCsv, readFailure } from './csv-sniff.ts';
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

const pathArg = (patterns: string[]): string =>
  patterns.length === 1 ? sqlString(patterns[0]) : `[${patterns.map(sqlString).join(', ')}]`;

const struct = (entries: [string, string][]): string =>
  `{${entries.map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`).join(', ')}}`;

/** The table function call that reads the files; config values travel only as quoted literals. */
export function sourceSql(d: FileDatasetConfig, patterns: string[]): string {
  const path = pathArg(patterns);
  switch (d.format) {
    case 'csv':
    case 'tsv': {
      const opts = ownerOptions(d);
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
    case 'xlsx':
    case 'sav':
      throw new Error(`${d.format} files are read through their Parquet cache`); // arrow-source.ts, xlsx-source.ts
  }
}

/** Overridden column names must exist: a typo would otherwise be ignored silently or fail obscurely. */
function checkOverrides(d: FileDatasetConfig, names: string[]): void {
  for (const name of Object.keys(d.columns ?? {})) {
    if (names.includes(name)) continue;
    const close = closeNames(name, names);
    throw new Error(
      `columns: "${name}" is not a column of ${d.path}; ${close.length ? `close names: ${close.join(', ')}` : `its columns are: ${names.slice(0, 30).join(', ')}`}`,
    );
  }
}

/**
 * A CSV read with auto-detection sniffs the file again on every query (~40 ms even for a small file). Sniff once here and
 * pin what it found (with the owner's type overrides), so each task pays only for reading. The file is transcoded to a
 * UTF-8 copy first when it needs it (csv-prepare.ts); that is redone at each reload. Globs keep auto-detection.
 */
async function pinnedCsvSource(
  env: SourceEnv,
  d: FileDatasetConfig,
): Promise<{ source: () => string; dialect: string; warnings: string[] } | null> {
  if (isGlob(d.path) || statSync(d.path).isDirectory()) return null;
  const version = () => {
    const st = statSync(d.path, { bigint: true });
    return `${st.ino}\0${st.size}\0${st.mtimeNs}`;
  };
  const before = version(); // taken before reading: a change during the read is picked up at the next load
  const prepared = prepareCsv(d.path, env.cacheDir, d.encoding);
  const plan = await planCsv(env.conn, d, prepared.path);
  checkOverrides(
    d,
    plan.columns.map((c) => c.name),
  );
  let seen = { version: before, path: prepared.path }; // the file as prepared above: not read again at the first load
  const source = () => {
    if (!existsSync(d.path)) return plan.sql(d.path); // gone: the query reports it, as DuckDB words it
    const now = version();
    if (now !== seen.version) seen = { version: now, path: prepareCsv(d.path, env.cacheDir, d.encoding).path };
    return plan.sql(seen.path);
  };
  const dialect = `${plan.dialect}, encoding ${prepared.encoding}${prepared.converted ? ' (read from a UTF-8 copy)' : ''}, line endings ${prepared.lineEndings}`;
  return { source, dialect, warnings: [...prepared.warnings, ...plan.warnings] };
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
      return type === 'JSON'
        ? `CASE WHEN json_type(${q}) = 'VARCHAR' THEN ${q} ->> '$' ELSE CAST(${q} AS VARCHAR) END AS ${q}`
        : q;
    })
    .join(', ');
}

/** Creates the dataset's view and reads its schema and row count. */
export async function openFileDataset(d: FileDatasetConfig, env: SourceEnv): Promise<DatasetCore> {
  const view = quoteIdent(d.name);
  const pinned = d.format === 'csv' || d.format === 'tsv' ? await pinnedCsvSource(env, d) : null;
  if (pinned) {
    // One file of known columns: small enough, it is held in memory and reloaded when it changes (file-cache.ts).
    const cache = await FileCache.open(env.connect, d.name, view, d.path, pinned.source).catch((e) =>
      Promise.reject(readFailure(e)),
    );
    try {
      const core = viewCore(
        d.name,
        view,
        await probeView(env.conn, view),
        (db) => cache.freshen(db),
        () => cache.rows,
      );
      core.close = async () => cache.close();
      core.dialect = pinned.dialect;
      core.warnings = pinned.warnings;
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
  checkOverrides(
    d,
    probed.columns.map((c) => c.name),
  );
  return viewCore(d.name, view, probed);
}
