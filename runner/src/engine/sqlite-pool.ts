// Worker threads that run SQLite queries (sqlite-worker.ts), reused; a canceled query is stopped through a shared flag.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.ts';
import type { BindValue } from './sql-dialect.ts';

/** Messages to a worker: a query (all rows, or `chunk` rows at a time), then "more" after each chunk, or "stop". */
export type PoolMessage =
  | { type: 'query'; id: number; path: string; sql: string; params: BindValue[]; chunk?: number }
  | { type: 'more'; id: number }
  | { type: 'stop'; id: number };

/** A worker's answers, tagged with the query's id: a canceled query's late answer is not taken for the next one's. */
type Reply = { id: number } & ({ type: 'rows'; rows: unknown[][]; done: boolean } | { type: 'error'; message: string });

/**
 * A query must call this for every row it reads (the SQLite source wraps its table in it): when the pool raises the
 * worker's stop flag, the function throws and SQLite ends the statement. better-sqlite3 has no other way to interrupt.
 */
export const CANCEL_CHECK = 'simpul_go()';

interface PoolWorker {
  worker: Worker;
  stop: Int32Array; // shared with the worker
}

/** SQLite said no (bad SQL, missing table, locked file): the message is SQLite's. */
export class SqliteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqliteError';
  }
}

const WORKER = new URL('./sqlite-worker.ts', import.meta.url);

/** The sources are TypeScript run by tsx; a worker thread needs tsx registered before it can load one. */
function spawn(): PoolWorker {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const workerData = { stop: stop.buffer };
  if (!WORKER.pathname.endsWith('.ts')) return { worker: new Worker(WORKER, { workerData }), stop };
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER.href)}); })`;
  return { worker: new Worker(boot, { eval: true, workerData }), stop };
}

export class SqlitePool {
  private readonly idle: PoolWorker[] = [];
  private readonly live = new Set<PoolWorker>();
  private seq = 0;

  constructor(private readonly log: Logger) {}

  /** Starts a worker ahead of the first query (loading one takes a moment). */
  warm(): void {
    if (!this.live.size) this.give(this.spawn());
  }

  /** All rows of a query. */
  async all(path: string, sql: string, params: BindValue[], signal: AbortSignal): Promise<unknown[][]> {
    const out: unknown[][] = [];
    for await (const rows of this.run(path, sql, params, signal)) out.push(...rows);
    return out;
  }

  /** The rows of a query, `chunk` at a time; the worker reads the next chunk only when this one was taken. */
  stream(
    path: string,
    sql: string,
    params: BindValue[],
    signal: AbortSignal,
    chunk = 2048,
  ): AsyncGenerator<unknown[][]> {
    return this.run(path, sql, params, signal, chunk);
  }

  async close(): Promise<void> {
    const all = [...this.live];
    this.live.clear();
    this.idle.length = 0;
    for (const w of all) Atomics.store(w.stop, 0, 1); // a worker busy in SQLite gets back to JavaScript, where it can be stopped
    await Promise.all(all.map((w) => w.worker.terminate()));
  }

  private async *run(
    path: string,
    sql: string,
    params: BindValue[],
    signal: AbortSignal,
    chunk?: number,
  ): AsyncGenerator<unknown[][]> {
    signal.throwIfAborted();
    const w = this.idle.pop() ?? this.spawn();
    const id = ++this.seq;
    w.worker.ref(); // a running query keeps the process alive; an idle worker does not
    let ended = false;
    try {
      w.worker.postMessage({ type: 'query', id, path, sql, params, chunk } satisfies PoolMessage);
      for (;;) {
        const reply = await this.reply(w.worker, id, signal);
        if (reply.type === 'error') {
          ended = true;
          throw new SqliteError(reply.message);
        }
        ended = reply.done;
        yield reply.rows;
        if (reply.done) return;
        w.worker.postMessage({ type: 'more', id } satisfies PoolMessage);
      }
    } finally {
      if (!ended) {
        // Canceled or left mid-query: stop it (the worker clears the flag when its next query starts).
        Atomics.store(w.stop, 0, 1);
        w.worker.postMessage({ type: 'stop', id } satisfies PoolMessage);
      }
      this.give(w);
    }
  }

  private reply(w: Worker, id: number, signal: AbortSignal): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const off = () => {
        w.off('message', onMessage);
        w.off('exit', onExit);
        signal.removeEventListener('abort', onAbort);
      };
      const onMessage = (m: Reply) => {
        if (m.id !== id) return; // the late answer of a query canceled earlier
        off();
        resolve(m);
      };
      const onExit = (code: number) => (
        off(), reject(new SqliteError(`the SQLite worker stopped (exit code ${code})`))
      );
      const onAbort = () => (off(), reject(signal.reason));
      if (signal.aborted) return onAbort();
      w.on('message', onMessage);
      w.on('exit', onExit);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private spawn(): PoolWorker {
    const w = spawn();
    this.live.add(w);
    // Without a listener, a worker's error would be thrown in the main thread; its exit follows and fails the query.
    w.worker.on('error', (e) => this.log.warn('SQLite worker failed', { error: e.message }));
    w.worker.on('exit', () => {
      this.live.delete(w);
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return w;
  }

  private give(w: PoolWorker): void {
    if (!this.live.has(w)) return;
    w.worker.unref();
    this.idle.push(w);
  }
}
