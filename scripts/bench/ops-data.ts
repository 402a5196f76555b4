// Benchmark data for `npm run bench:ops`: N-row CSVs and their Parquet twins, made with DuckDB once and cached in bench/data/.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ROOT } from '../lib/procs.ts';

export const BENCH_DATA = join(ROOT, 'bench', 'data');

export interface BenchFiles {
  rows: number;
  csv: string;
  parquet: string;
}

const quote = (p: string) => `'${p.replace(/'/g, "''")}'`;

/**
 * Columns: id BIGINT (unique), cat VARCHAR (20 values), n INTEGER (0–999), x DOUBLE, d DATE, flag BOOLEAN; values are
 * hashes of the row number, so every run of the benchmark reads the same files.
 */
const SELECT = (rows: number) => `SELECT i AS id, 'c' || (hash(i) % 20) AS cat, (hash(i * 7 + 1) % 1000)::INTEGER AS n,
  ((hash(i * 13 + 2) % 2000000)::DOUBLE / 1000.0 - 1000.0) AS x, DATE '2020-01-01' + (i % 2000)::INTEGER AS d,
  (hash(i * 17 + 3) % 2 = 0) AS flag FROM range(${rows}) t(i)`;

export async function benchFiles(rows: number): Promise<BenchFiles> {
  mkdirSync(BENCH_DATA, { recursive: true });
  const name = rows % 1_000_000 === 0 ? `ops-${rows / 1_000_000}m` : `ops-${rows}`;
  const csv = join(BENCH_DATA, `${name}.csv`);
  const parquet = join(BENCH_DATA, `${name}.parquet`);
  if (existsSync(csv) && existsSync(parquet)) return { rows, csv, parquet };
  console.log(`  generating ${name}.csv and ${name}.parquet in ${BENCH_DATA} (once)`);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    // Written under a temporary name and renamed, so that an interrupted run never leaves a half file in the cache.
    await c.run(`COPY (${SELECT(rows)}) TO ${quote(`${csv}.tmp`)} (FORMAT csv, HEADER true)`);
    renameSync(`${csv}.tmp`, csv);
    await c.run(`COPY (SELECT * FROM read_csv(${quote(csv)})) TO ${quote(`${parquet}.tmp`)} (FORMAT parquet)`);
    renameSync(`${parquet}.tmp`, parquet);
  } finally {
    c.closeSync();
    db.closeSync();
  }
  return { rows, csv, parquet };
}
