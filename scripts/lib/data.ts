// Test data: the bundled demo CSV, a Parquet twin made with DuckDB, and small CSV helpers for independent answers.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ROOT, tempDir } from './procs.ts';

export const PATIENTS_CSV = join(ROOT, 'scripts', 'demo', 'data', 'patients.csv');
export const VEGA = join(ROOT, 'node_modules', 'vega-datasets', 'data');

/** Parses a simple CSV (no quoted commas) into objects; numbers stay strings. */
export function readCsv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

/** Writes `sql`'s result to a Parquet file with DuckDB and returns its path. */
export async function toParquet(sql: string, name = 'data.parquet', dir = tempDir('simpul-data-')): Promise<string> {
  const out = join(dir, name);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`COPY (${sql}) TO '${out.replace(/'/g, "''")}' (FORMAT parquet)`);
  c.closeSync();
  return out;
}

/**
 * A dataset large enough that a filter with ORDER BY takes seconds, so that tests can act while a task runs.
 * Made once per machine under the temp dir and reused.
 */
export async function bigCsv(rows = 3_000_000): Promise<string> {
  const dir = join(tempDir('simpul-big-').replace(/simpul-big-.*$/, ''), `simpul-big-${rows}`);
  const out = join(dir, 'big.csv');
  if (existsSync(out)) return out;
  const { mkdirSync, renameSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(
    `COPY (SELECT i AS id, md5(i::VARCHAR) AS s, (i * 7919) % 1000 AS n, random() AS r FROM range(${rows}) t(i)) TO '${tmp}' (FORMAT csv, HEADER)`,
  );
  c.closeSync();
  renameSync(tmp, out);
  return out;
}
