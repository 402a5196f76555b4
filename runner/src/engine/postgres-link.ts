// Connections to one PostgreSQL database: read-only sessions, values as text, queries that stop when the task is canceled.
import pg from 'pg';
import { TaskFailure, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { BindValue } from './sql-dialect.ts';

// Every value as PostgreSQL's text, converted per column by the source (dates stay dates, not JS Dates in local time).
const AS_TEXT = { getTypeParser: () => (v: string) => v };
const CHUNK_ROWS = 5000;

/**
 * A promise that rejects with the signal's reason when it aborts (the executor knows why the task stopped), to race a query
 * with; `dispose` removes its listener.
 */
function abortion(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let onAbort = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => {}); // raced below; never an unhandled rejection on its own
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

function mapError(e: unknown): unknown {
  if (e instanceof TaskFailure) return e;
  const code = (e as { code?: unknown }).code;
  const msg = errorMessage(e).split('\n')[0];
  // Class 22 is "data exception": a value that does not fit its column (e.g. "abc" compared with a date).
  if (typeof code === 'string' && (code.startsWith('22') || code === '42883'))
    return new TaskFailure('invalid_params', `PostgreSQL: ${msg}`);
  return new TaskFailure('op_failed', `PostgreSQL: ${msg}`);
}

export class PgLink {
  private readonly config: pg.PoolConfig;
  private readonly pool: pg.Pool;

  constructor(
    connectionString: string,
    private readonly log: Logger,
  ) {
    this.config = {
      connectionString,
      application_name: 'simpul-runner',
      // ISO dates, UTC timestamps, and no writes whatever the SQL says: the runner only ever reads the owner's database.
      options: '-c DateStyle=ISO,YMD -c TimeZone=UTC -c default_transaction_read_only=on',
      types: AS_TEXT,
    };
    this.pool = new pg.Pool({ ...this.config, max: 8, idleTimeoutMillis: 30_000 });
    this.pool.on('error', (e) => this.log.warn('an idle PostgreSQL connection failed', { error: e.message }));
  }

  /** All rows of a small result, as arrays of text. */
  async all(sql: string, params: readonly BindValue[], signal: AbortSignal): Promise<unknown[][]> {
    return this.withClient(
      signal,
      async (c) => (await c.query({ text: sql, values: [...params], rowMode: 'array' })).rows,
    );
  }

  /** A large result through a cursor, CHUNK_ROWS at a time: the next chunk is fetched only when this one was taken. */
  async *stream(sql: string, params: readonly BindValue[], signal: AbortSignal): AsyncGenerator<unknown[][]> {
    signal.throwIfAborted();
    const client = await this.pool.connect();
    const stop = this.onAbort(client, signal);
    const abort = abortion(signal);
    let ok = false;
    try {
      const q = <T>(p: Promise<T>) =>
        Promise.race([p, abort.promise]).catch((e) => Promise.reject(signal.aborted ? signal.reason : mapError(e)));
      await q(client.query('BEGIN READ ONLY'));
      await q(client.query({ text: `DECLARE simpul_rows NO SCROLL CURSOR FOR ${sql}`, values: [...params] }));
      for (;;) {
        const r = await q(client.query({ text: `FETCH ${CHUNK_ROWS} FROM simpul_rows`, rowMode: 'array' }));
        if (r.rows.length) yield r.rows as unknown[][];
        if (r.rows.length < CHUNK_ROWS) break;
      }
      await q(client.query('COMMIT'));
      ok = true;
    } finally {
      signal.removeEventListener('abort', stop);
      abort.dispose();
      // A connection left mid-transaction or mid-query is not given back to the pool.
      client.release(!ok);
    }
  }

  async close(): Promise<void> {
    await this.pool
      .end()
      .catch((e) => this.log.debug('closing PostgreSQL connections failed', { error: errorMessage(e) }));
  }

  private async withClient<T>(signal: AbortSignal, f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    signal.throwIfAborted();
    const client = await this.pool.connect().catch((e) => Promise.reject(mapError(e)));
    const stop = this.onAbort(client, signal);
    const abort = abortion(signal);
    let ok = false;
    try {
      const out = await Promise.race([f(client), abort.promise]);
      ok = true;
      return out;
    } catch (e) {
      throw signal.aborted ? signal.reason : mapError(e);
    } finally {
      signal.removeEventListener('abort', stop);
      abort.dispose();
      client.release(!ok);
    }
  }

  /** On abort, ask the server to cancel the client's running query, from a connection of its own. */
  private onAbort(client: pg.PoolClient, signal: AbortSignal): () => void {
    const pid = (client as unknown as { processID?: number }).processID;
    const stop = () => {
      if (pid !== undefined) void this.cancel(pid);
    };
    signal.addEventListener('abort', stop, { once: true });
    return stop;
  }

  private async cancel(pid: number): Promise<void> {
    const c = new pg.Client(this.config);
    try {
      await c.connect();
      await c.query('SELECT pg_cancel_backend($1)', [pid]);
      this.log.debug('canceled a PostgreSQL query', { pid });
    } catch (e) {
      this.log.warn('could not cancel a PostgreSQL query', { pid, error: errorMessage(e) });
    } finally {
      await c.end().catch(() => {});
    }
  }
}
