// A worker thread that runs SQLite queries for the engine: better-sqlite3 is synchronous, and a long scan must not hold up
// the runner's event loop (heartbeats, progress, cancel). It answers one query at a time; see sqlite-pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { PoolMessage } from './sqlite-pool.ts';

const port = parentPort;
if (!port) throw new Error('sqlite-worker.ts runs as a worker thread');
// Set to 1 by the pool to stop the running query; read by simpul_go(), which every query calls for each row it reads.
const stop = new Int32Array(workerData.stop as SharedArrayBuffer);

const dbs = new Map<string, Database.Database>();
const inbox: PoolMessage[] = [];
let wake: (() => void) | null = null;
port.on('message', (m: PoolMessage) => {
  inbox.push(m);
  wake?.();
});

async function next(): Promise<PoolMessage> {
  while (!inbox.length) await new Promise<void>((r) => (wake = r));
  wake = null;
  return inbox.shift()!;
}

function open(path: string): Database.Database {
  let db = dbs.get(path);
  if (!db) {
    // Read-only: the runner never writes to the owner's database.
    db = new Database(path, { readonly: true, fileMustExist: true });
    // better-sqlite3 cannot interrupt a statement, but a function that throws ends it: this is how a query is canceled.
    db.function('simpul_go', { deterministic: false }, () => {
      if (Atomics.load(stop, 0)) throw new Error('the query was canceled');
      return 1;
    });
    dbs.set(path, db);
  }
  return db;
}

for (;;) {
  const m = await next();
  if (m.type !== 'query') continue; // a late "more" or "stop" for a query that already ended
  Atomics.store(stop, 0, 0);
  const { id } = m;
  try {
    // Raw rows, and 64-bit integers as bigint so that none loses precision on the way.
    const stmt = open(m.path).prepare(m.sql).raw(true).safeIntegers(true);
    if (m.chunk === undefined) {
      port.postMessage({ id, type: 'rows', rows: stmt.all(...m.params), done: true });
      continue;
    }
    const it = stmt.iterate(...m.params) as IterableIterator<unknown[]>;
    try {
      for (;;) {
        const rows: unknown[][] = [];
        let done = false;
        while (rows.length < m.chunk) {
          const r = it.next();
          if (r.done) {
            done = true;
            break;
          }
          rows.push(r.value);
        }
        port.postMessage({ id, type: 'rows', rows, done });
        if (done) break;
        const ctl = await next(); // the reader asks for each chunk: memory stays one chunk deep
        if (ctl.type !== 'more' || ctl.id !== id) {
          if (ctl.type === 'query') inbox.unshift(ctl); // cannot happen while the pool waits on us; kept for safety
          break;
        }
      }
    } finally {
      it.return?.();
    }
  } catch (e) {
    port.postMessage({ id, type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}
