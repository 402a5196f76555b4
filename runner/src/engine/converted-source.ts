// A dataset read through a Parquet file in the runner's cache: one source file (an Excel sheet, an SPSS file) converted
// once per version (size + mtime) of the file, the view pointed at the conversion, and converted again when it changes.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { type FileDatasetConfig, isGlob } from '../dataset-config.ts';
import type { DatasetCore, SourceEnv } from './datasets.ts';
import { quoteIdent, sqlString } from './sql.ts';
import { probeView, viewCore } from './view-dataset.ts';

/** What a conversion found out about the file, kept beside the Parquet file. */
const Done = z.object({ rows: z.number().int().min(0), dialect: z.string(), warnings: z.array(z.string()) });
export type Converted = z.infer<typeof Done>;

/** A conversion: fills `table` (already created by it) row by row and says what it found. */
export interface Conversion {
  kind: string; // the cache folder: xlsx, sav
  /** Reads the file, creates the temporary table `table` through `create(sql columns)`, and appends its rows. */
  convert(path: string, create: (columns: string) => Promise<DuckDBAppender>): Promise<Converted>;
}

async function cached(
  conn: DuckDBConnection,
  d: FileDatasetConfig,
  cacheDir: string,
  c: Conversion,
): Promise<Converted & { file: string; converted: boolean }> {
  const st = statSync(d.path, { bigint: true });
  const home = join(
    cacheDir,
    c.kind,
    createHash('sha256')
      .update(`${d.path}\0${d.sheet ?? ''}`)
      .digest('hex')
      .slice(0, 24),
  );
  const version = `${st.size}-${st.mtimeNs}`;
  const dir = join(home, version);
  const file = join(dir, 'data.parquet');
  try {
    const done = Done.parse(JSON.parse(readFileSync(join(dir, 'done.json'), 'utf8')));
    if (existsSync(file)) return { ...done, file, converted: false };
  } catch {
    // not converted yet (or a broken conversion): convert
  }
  mkdirSync(home, { recursive: true });
  const tmp = join(home, `${version}.tmp-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  const name = `${c.kind}_${randomBytes(8).toString('hex')}`;
  let ap: DuckDBAppender | null = null;
  try {
    const done = await c.convert(d.path, async (columns) => {
      await conn.run(`CREATE TEMP TABLE ${quoteIdent(name)} (${columns})`);
      ap = await conn.createAppender(name, 'main', 'temp');
      return ap;
    });
    (ap as DuckDBAppender | null)?.closeSync();
    ap = null;
    await conn.run(`COPY ${quoteIdent(name)} TO ${sqlString(join(tmp, 'data.parquet'))} (FORMAT parquet)`);
    writeFileSync(join(tmp, 'done.json'), JSON.stringify(done));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    for (const old of readdirSync(home))
      if (old !== version && !old.includes('.tmp-')) rmSync(join(home, old), { recursive: true, force: true });
    return { ...done, file, converted: true };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${quoteIdent(name)}`).catch(() => {});
  }
}

const signature = (path: string) => {
  const st = statSync(path, { bigint: true });
  return `${st.size}\0${st.mtimeNs}`;
};

export async function openConvertedDataset(d: FileDatasetConfig, env: SourceEnv, c: Conversion): Promise<DatasetCore> {
  if (isGlob(d.path) || statSync(d.path).isDirectory())
    throw new Error(`a ${d.format} dataset is one file: give the path of one file`);
  const view = quoteIdent(d.name);
  const conn = await env.connect(); // its own: a refresh may run while another dataset converts
  let current = '';
  const state: { last: Converted | null } = { last: null };
  const sync = async (): Promise<boolean> => {
    const sig = signature(d.path);
    if (sig === current) return false;
    const out = await cached(conn, d, env.cacheDir, c);
    if (out.converted)
      env.log.info('file converted to Parquet', { dataset: d.name, file: d.path, format: d.format, rows: out.rows });
    await conn.run(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM read_parquet(${sqlString(out.file)})`);
    current = sig;
    state.last = out;
    return true;
  };
  try {
    await sync();
    let pending: Promise<void> | null = null;
    const core = viewCore(d.name, view, await probeView(conn, view), () => {
      // One refresh at a time, on the dataset's own connection, whichever task noticed the change first.
      pending ??= (async () => {
        try {
          if (await sync())
            Object.assign(core, await probeView(conn, view), {
              dialect: state.last?.dialect,
              warnings: state.last?.warnings,
            });
        } finally {
          pending = null;
        }
      })();
      return pending;
    });
    core.dialect = state.last?.dialect;
    core.warnings = state.last?.warnings;
    core.close = async () => conn.closeSync();
    return core;
  } catch (e) {
    conn.closeSync();
    throw e;
  }
}
