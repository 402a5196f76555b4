// The writes of a result group as multi-row statements: one fenced update of the tasks per chunk of reports, instead of
// a statement per report (the attempt a result ends is described by the task's row: queue/attempts.ts). On PostgreSQL
// each statement is a round trip, and those were most of a result's cost. Both dialects take
// `with v(...) as (values ...) update ... from v` (SQLite since 3.33).
import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/schema.ts';
import { ACTIVE_STATES } from './tasks.ts';

/** Rows per statement; a chunk is padded to a power of two with rows that match nothing, so few texts are compiled. */
const CHUNK = 64;

/** One report's final write: its task, fenced by its lease. */
export interface FinalRow {
  id: string;
  lease: string;
  status: string;
  result: string | null;
  error: string | null;
  hash: string;
  blob: string | null;
  expires: number;
  progress: number | null;
  now: number;
}

const ACTIVE = ACTIVE_STATES.map((s) => `'${s}'`).join(', ');

/** The column list of the `values` table, with the casts that give PostgreSQL their types. */
const TASK_COLS = [
  'id',
  'lease',
  'status',
  'result',
  'error',
  'hash',
  'blob',
  'expires',
  'progress',
  'done_at',
] as const;
const TASK_CASTS: Record<string, string> = { expires: 'bigint', progress: 'double precision', done_at: 'bigint' };

const finishText = (values: RawBuilder<unknown>) => sql`with v(${sql.raw(TASK_COLS.join(', '))}) as (values ${values})
  update tasks set status = v.status, result = v.result, error = v.error, result_hash = v.hash, result_blob = v.blob,
    result_expires_at = v.expires, progress = v.progress,
    started_at = coalesce(tasks.started_at, tasks.deadline_at - tasks.timeout_s * 1000),
    lease_expires_at = null, deadline_at = null, finished_at = v.done_at, updated_at = v.done_at
  from v where tasks.id = v.id and tasks.lease_token = v.lease and tasks.status in (${sql.raw(ACTIVE)})
  returning tasks.id`;

/** A statement's text per dialect and row count, compiled once; then only its parameters are filled in. */
function rowsStatement(cols: readonly string[], casts: Record<string, string>, text: typeof finishText) {
  const texts = new WeakMap<object, Map<number, string>>();
  return (db: Db, n: number): string => {
    const adapter = db.getExecutor().adapter;
    let byCount = texts.get(adapter);
    if (!byCount) texts.set(adapter, (byCount = new Map()));
    let t = byCount.get(n);
    if (t === undefined) {
      const row = sql`(${sql.join(cols.map((c) => (casts[c] ? sql`cast(${0} as ${sql.raw(casts[c])})` : sql`${0}`)))})`;
      t = text(sql.join(Array.from({ length: n }, () => row))).compile(db).sql;
      byCount.set(n, t);
    }
    return t;
  };
}
const finishStatement = rowsStatement(TASK_COLS, TASK_CASTS, finishText);

/** A row that matches no task (ids and lease tokens are never empty). */
const NOTHING: FinalRow = {
  id: '',
  lease: '',
  status: 'failed',
  result: null,
  error: null,
  hash: '',
  blob: null,
  expires: 0,
  progress: null,
  now: 0,
};

function chunks(rows: FinalRow[]): FinalRow[][] {
  const out: FinalRow[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    let n = 1;
    while (n < part.length) n *= 2;
    while (part.length < n) part.push(NOTHING);
    out.push(part);
  }
  return out;
}

/**
 * Finishes the tasks whose lease is still the report's and still active, in the caller's transaction; the ids it
 * finished. A task whose lease moved on is left alone.
 */
export async function finishAll(trx: Db, rows: FinalRow[]): Promise<Set<string>> {
  const finished = new Set<string>();
  for (const part of chunks(rows)) {
    const params = part.flatMap((r) => [
      r.id,
      r.lease,
      r.status,
      r.result,
      r.error,
      r.hash,
      r.blob,
      r.expires,
      r.progress,
      r.now,
    ]);
    const res = await trx.executeQuery<{ id: string }>(CompiledQuery.raw(finishStatement(trx, part.length), params));
    for (const r of res.rows) finished.add(r.id);
  }
  return finished;
}
