// Test support for the blob tests: an op context as the executor builds it, and files read back with DuckDB.
import { DuckDBInstance } from '@duckdb/node-api';
import type { OpCode } from '@simpul/protocol';
import { Gate } from '../disclosure/gate.ts';
import type { Engine } from '../engine/engine.ts';
import { sqlString } from '../engine/sql.ts';
import { silentLogger } from '../log.ts';
import type { OpContext } from '../ops/context.ts';
import type { TaskBlobs } from './task-blobs.ts';

/** Runs `work` with a context as the executor builds it (own session, abortable, the dataset's gate). */
export async function withCtx<C extends OpCode, T>(
  engine: Engine,
  op: C,
  params: OpContext<C>['params'],
  work: (ctx: OpContext<C>) => Promise<T>,
  blobs?: TaskBlobs,
): Promise<T> {
  const signal = new AbortController().signal;
  const db = await engine.session(signal);
  try {
    const gate = new Gate(engine.policy(params.dataset), { dataset: params.dataset, op });
    return await work({
      task_id: 't1',
      op,
      params,
      engine,
      db,
      signal,
      log: silentLogger,
      progress: () => {},
      gate,
      ...(blobs ? { blobs } : {}),
    });
  } finally {
    db.close();
  }
}

/** The rows of a Parquet or CSV file (with header), as DuckDB reads them. */
export async function readFile(file: string, format: 'parquet' | 'csv' = 'parquet'): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const reader = format === 'parquet' ? 'read_parquet' : 'read_csv';
  const r = await c.runAndReadAll(`SELECT * FROM ${reader}(${sqlString(file)})`);
  const rows = r.getRowsJS() as unknown[][];
  c.closeSync();
  db.closeSync();
  return rows;
}
