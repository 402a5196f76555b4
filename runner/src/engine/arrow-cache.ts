// Arrow IPC files converted once to Parquet in the runner's cache (DuckDB cannot read Arrow here), record batch by record
// batch; a conversion is kept per version (size + mtime) of the source file and redone when the file changes.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBAppender } from '@duckdb/node-api';
import { RecordBatchReader } from 'apache-arrow';
import { z } from 'zod';
import { arrowColumn } from './arrow-columns.ts';
import { quoteIdent, sqlString } from './sql.ts';

/** Where conversion SQL runs: the engine's own connection. */
export interface Converter {
  run(sql: string): Promise<unknown>;
  /** An appender for a temporary table. */
  appender(table: string): Promise<DuckDBAppender>;
}

// Rows per Parquet part: DuckDB holds one part's rows before writing them out, so memory stays bounded.
const PART_ROWS = 1_000_000;

const Done = z.object({
  source: z.string(),
  size: z.string(),
  mtime_ns: z.string(),
  rows: z.number().int().min(0),
  parts: z.array(z.string()).min(1),
});

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Writes the Arrow file's rows to Parquet parts in `dir`; returns the part files and the row count. */
async function convert(c: Converter, source: string, dir: string): Promise<{ parts: string[]; rows: number }> {
  const fh = await open(source);
  const table = `arrow_${randomBytes(8).toString('hex')}`;
  let created = false;
  try {
    // A file handle gives random access: both the IPC file format (.arrow, .feather) and the stream format (.arrows) read.
    const reader = await RecordBatchReader.from(fh);
    await reader.open();
    const cols = reader.schema.fields.map(arrowColumn);
    if (!cols.length) throw new Error(`${source} has no columns`);
    await c.run(
      `CREATE TEMP TABLE ${quoteIdent(table)} (${cols.map((k) => `${quoteIdent(k.name)} ${k.type}`).join(', ')})`,
    );
    created = true;
    const parts: string[] = [];
    let rows = 0;
    let inPart = 0;
    let ap = await c.appender(table);
    const writePart = async () => {
      ap.closeSync();
      const file = `part-${String(parts.length).padStart(5, '0')}.parquet`;
      await c.run(`COPY ${quoteIdent(table)} TO ${sqlString(join(dir, file))} (FORMAT parquet)`);
      await c.run(`DELETE FROM ${quoteIdent(table)}`);
      parts.push(file);
      inPart = 0;
    };
    for await (const batch of reader) {
      const vectors = cols.map((_, j) => batch.getChildAt(j)!);
      for (let i = 0; i < batch.numRows; i++) {
        for (let j = 0; j < cols.length; j++) cols[j].append(ap, vectors[j], i);
        ap.endRow();
      }
      rows += batch.numRows;
      inPart += batch.numRows;
      if (inPart >= PART_ROWS) {
        await writePart();
        ap = await c.appender(table);
      }
      await yieldToLoop(); // one batch at a time: heartbeats keep flowing during a long conversion
    }
    if (inPart > 0 || !parts.length)
      await writePart(); // an empty file still gets one part, which carries the schema
    else ap.closeSync();
    return { parts, rows };
  } finally {
    if (created) await c.run(`DROP TABLE IF EXISTS ${quoteIdent(table)}`).catch(() => {});
    await fh.close();
  }
}

function readDone(dir: string): z.infer<typeof Done> | null {
  const file = join(dir, 'done.json');
  if (!existsSync(file)) return null;
  try {
    const parsed = Done.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success && parsed.data.parts.every((p) => existsSync(join(dir, p))) ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The Parquet parts holding the Arrow file's rows: from the cache when it has this version of the file, converted now
 * otherwise (older versions are then removed).
 */
export async function cachedParquet(
  c: Converter,
  source: string,
  cacheDir: string,
): Promise<{ parts: string[]; rows: number; converted: boolean }> {
  const st = statSync(source, { bigint: true });
  const home = join(cacheDir, 'arrow', createHash('sha256').update(source).digest('hex').slice(0, 24));
  const version = `${st.size}-${st.mtimeNs}`;
  const dir = join(home, version);
  const cached = readDone(dir);
  if (cached) return { parts: cached.parts.map((p) => join(dir, p)), rows: cached.rows, converted: false };

  mkdirSync(home, { recursive: true });
  const tmp = join(home, `${version}.tmp-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  try {
    const { parts, rows } = await convert(c, source, tmp);
    writeFileSync(
      join(tmp, 'done.json'),
      JSON.stringify({ source, size: String(st.size), mtime_ns: String(st.mtimeNs), rows, parts }),
    );
    rmSync(dir, { recursive: true, force: true }); // a half-made one from an earlier crash
    renameSync(tmp, dir);
    for (const old of readdirSync(home))
      if (old !== version && !old.includes('.tmp-')) rmSync(join(home, old), { recursive: true, force: true });
    return { parts: parts.map((p) => join(dir, p)), rows, converted: true };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
