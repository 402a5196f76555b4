// Arrow IPC datasets (one file, a glob, or a folder): a DuckDB view over their Parquet cache, refreshed when a file changes.
import { statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { EXTENSIONS, type FileDatasetConfig, filesIn, isGlob } from '../dataset-config.ts';
import { type Converter, cachedParquet } from './arrow-cache.ts';
import type { DatasetCore, SourceEnv } from './datasets.ts';
import { quoteIdent, sqlString } from './sql.ts';
import { probeView, viewCore } from './view-dataset.ts';

/** The Arrow files the dataset's path names, in a stable order. */
async function arrowFiles(d: FileDatasetConfig, conn: DuckDBConnection): Promise<string[]> {
  let files: string[];
  if (isGlob(d.path)) {
    const r = await conn.runAndReadAll(`SELECT file FROM glob(${sqlString(d.path)}) ORDER BY file`);
    files = r.getRows().map((row) => String(row[0]));
  } else if (statSync(d.path).isDirectory()) {
    files = filesIn(d.path).filter((f) => EXTENSIONS.arrow.some((e) => f.toLowerCase().endsWith(e)));
  } else files = [d.path];
  if (!files.length) throw new Error(`no Arrow files (${EXTENSIONS.arrow.join(', ')}) match ${d.path}`);
  return files;
}

/** Size and modification time of every file: when this changes, the cache and the view are brought up to date. */
function signature(files: string[]): string {
  return files
    .map((f) => {
      const st = statSync(f, { bigint: true });
      return `${f}\0${st.size}\0${st.mtimeNs}`;
    })
    .join('\n');
}

export async function openArrowDataset(d: FileDatasetConfig, env: SourceEnv): Promise<DatasetCore> {
  const view = quoteIdent(d.name);
  // A connection of its own: a refresh may run while another Arrow dataset refreshes, and one connection runs one query.
  const conn = await env.connect();
  const converter: Converter = { run: (sql) => conn.run(sql), appender: (t) => conn.createAppender(t, 'main', 'temp') };
  let current = '';

  /** Converts what changed and points the view at the Parquet parts; false when nothing had changed. */
  const sync = async (): Promise<boolean> => {
    const files = await arrowFiles(d, conn);
    const sig = signature(files);
    if (sig === current) return false;
    const parts: string[] = [];
    for (const f of files) {
      const c = await cachedParquet(converter, f, env.cacheDir);
      if (c.converted) env.log.info('Arrow file converted to Parquet', { dataset: d.name, file: f, rows: c.rows });
      parts.push(...c.parts);
    }
    // union_by_name: files of one dataset may order their columns differently.
    const list = `[${parts.map(sqlString).join(', ')}]`;
    await conn.run(
      `CREATE OR REPLACE VIEW ${view} AS SELECT * FROM read_parquet(${list}, union_by_name = ${files.length > 1 ? 'true' : 'false'})`,
    );
    current = sig;
    return true;
  };

  try {
    await sync();
    let pending: Promise<void> | null = null;
    const core = viewCore(d.name, view, await probeView(conn, view), () => {
      // One refresh at a time, on the dataset's own connection, whichever task noticed the change first.
      pending ??= (async () => {
        try {
          if (await sync()) Object.assign(core, await probeView(conn, view));
        } finally {
          pending = null;
        }
      })();
      return pending;
    });
    core.close = async () => conn.closeSync();
    return core;
  } catch (e) {
    conn.closeSync();
    throw e;
  }
}
