// Test support: real files (vega-datasets' Seattle weather CSV and a Parquet twin written by DuckDB), parsed independently in JS.
import type { Unreleased } from '../disclosure/facts.ts';
import { Gate } from '../disclosure/gate.ts';
import type { RowLedger } from '../disclosure/ledger.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { OpCode } from '@simpul/protocol';
import type { DatasetConfig } from '../config.ts';
import { type FileDatasetConfig, type FileFormat, formatFromPath } from '../dataset-config.ts';
import { silentLogger } from '../log.ts';
import type { OpContext } from '../ops/context.ts';
import { Engine } from './engine.ts';
import { sqlString } from './sql.ts';

export const SEATTLE_CSV = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'node_modules',
  'vega-datasets',
  'data',
  'seattle-weather.csv',
);

export interface WeatherRow {
  id: number;
  date: string;
  precipitation: number;
  temp_max: number;
  temp_min: number;
  wind: number;
  weather: string;
}

/** The CSV read with plain string splitting (it has no quoted fields), independent of DuckDB. */
export function readWeather(): WeatherRow[] {
  const [, ...lines] = readFileSync(SEATTLE_CSV, 'utf8').trim().split('\n');
  return lines.map((l, i) => {
    const [date, p, tmax, tmin, wind, weather] = l.split(',');
    return {
      id: i + 1,
      date,
      precipitation: Number(p),
      temp_max: Number(tmax),
      temp_min: Number(tmin),
      wind: Number(wind),
      weather,
    };
  });
}

export const INJECTION_COLUMN = 'x"; DROP TABLE t; --';

/**
 * A Parquet twin with more types: id BIGINT, ts TIMESTAMP (date + id % 24 hours), wet BOOLEAN, maybe VARCHAR (NULL when
 * id % 7 = 0), and a column whose name is an injection attempt (its value: weather).
 */
export async function writeWeatherParquet(dir: string): Promise<string> {
  const out = join(dir, 'weather.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`COPY (
    SELECT row_number() OVER () AS id, *, CAST(date AS TIMESTAMP) + to_hours(CAST(row_number() OVER () % 24 AS BIGINT)) AS ts,
           precipitation > 0 AS wet, CASE WHEN row_number() OVER () % 7 = 0 THEN NULL ELSE weather END AS maybe,
           weather AS "x""; DROP TABLE t; --"
    FROM read_csv(${sqlString(SEATTLE_CSV)})
  ) TO ${sqlString(out)} (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
  return out;
}

export function tempDir(prefix = 'simpul-runner-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A file dataset (format from the extension unless given). */
export const datasetConfig = (name: string, path: string, extra: Partial<FileDatasetConfig> = {}): DatasetConfig => ({
  name,
  path,
  format: (formatFromPath(path) as FileFormat | null) ?? 'csv',
  ...extra,
});

/** Run one op handler against the engine, as the executor would (own connection, abortable). */
export async function runOp<C extends OpCode>(
  engine: Engine,
  handler: (ctx: OpContext<C>) => Promise<Unreleased>,
  op: C,
  params: OpContext<C>['params'],
  opts: {
    signal?: AbortSignal;
    progress?: number[];
    messages?: string[]; // the progress messages, in order
    requestedBy?: string;
    ledger?: RowLedger;
  } = {},
): Promise<unknown> {
  const signal = opts.signal ?? new AbortController().signal;
  const db = await engine.session(signal);
  try {
    // As the executor does: the handler's result passes the dataset's release gate.
    const gate = new Gate(engine.policy(params.dataset), {
      dataset: params.dataset,
      op,
      ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}),
      ...(opts.ledger ? { ledger: opts.ledger } : {}),
    });
    const out = gate.release(
      await handler({
        task_id: 't1',
        op,
        params,
        engine,
        db,
        signal,
        log: silentLogger,
        progress: (p, m) => {
          opts.progress?.push(p);
          if (m) opts.messages?.push(m);
        },
        gate,
      }),
    );
    if (out.kind === 'file') {
      await out.cleanup();
      return out.result;
    }
    return out.result;
  } finally {
    db.close();
  }
}

/** An engine over `datasets`, with Arrow conversions cached in `cacheDir` (default: the system's temp dir). */
export async function openEngine(datasets: DatasetConfig[], cacheDir?: string): Promise<Engine> {
  return Engine.open({ threads: 2 }, datasets, silentLogger, { cacheDir });
}
