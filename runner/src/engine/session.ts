// One task's DuckDB connection: parameterised queries, cells converted in chunks, interrupted on abort.
import {
  DOUBLE,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBMaterializedResult,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { Cell, ColumnInfo } from '@simpul/protocol';
import { TaskFailure, errorMessage } from '../errors.ts';
import type { ScanProgress } from '../progress-steps.ts';
import { cellConverter, kindOf } from './cells.ts';
import type { BindValue } from './sql-dialect.ts';

export interface Rows {
  columns: ColumnInfo[];
  rows: Cell[][];
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How often a running query's progress is read (DuckDB keeps it; reading it is cheap). */
export const SCAN_POLL_MS = 250;

/** Lets a connection report how far a query is (`progress`), without printing a bar; from the query's first moment. */
export const PROGRESS_SETTINGS =
  'SET enable_progress_bar = true; SET enable_progress_bar_print = false; SET progress_bar_time = 0';

/**
 * Parameter types where the driver's guess is wrong: it binds every whole JS number as an integer, and one beyond 2^53
 * (5e21, 1e300) may not fit a 64-bit integer; such a number is a double in JS, and is bound as one.
 */
export function paramTypes(params: readonly BindValue[]): (DuckDBType | undefined)[] | undefined {
  const huge = (v: BindValue) => typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v);
  return params.some(huge) ? params.map((v) => (huge(v) ? DOUBLE : undefined)) : undefined;
}

/**
 * A statement that leaves nothing behind in its connection: one query that only reads. A session that ran nothing else
 * (no temporary table, no appender, no setting), was not interrupted and met no error may serve the next task.
 */
const READS_ONLY = /^\s*(SELECT|WITH|FROM|DESCRIBE|SUMMARIZE)\b[^;]*;?\s*$/i;

/** Statements prepared on a kept connection, by SQL (closing the connection destroys them). */
const preparedOf = new WeakMap<DuckDBConnection, Map<string, DuckDBPreparedStatement>>();
const MAX_PREPARED = 32;

/** Takes a connection back for another task (false: close it). */
export type GiveBack = (conn: DuckDBConnection) => boolean;

export class Session {
  private readonly onAbort = () => this.conn.interrupt();
  private reusable = true;
  /** Called every SCAN_POLL_MS while a query runs, with DuckDB's progress on it (connections with PROGRESS_SETTINGS). */
  onScan: ((s: ScanProgress) => void) | null = null;

  constructor(
    private readonly conn: DuckDBConnection,
    readonly signal: AbortSignal, // aborted on cancel, timeout, drop or shutdown
    private readonly giveBack?: GiveBack,
  ) {
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Run `sql` with `$1, $2, …` bound to `params`; rows come back as JSON cells. */
  async query(sql: string, params: readonly BindValue[] = []): Promise<Rows> {
    this.signal.throwIfAborted();
    if (!READS_ONLY.test(sql)) this.reusable = false;
    const watch = this.onScan ? setInterval(() => this.pollScan(), SCAN_POLL_MS) : undefined;
    try {
      const result = await this.run(sql, params).finally(() => clearInterval(watch));
      const names = result.columnNames();
      const types = result.columnTypes();
      const converters = types.map((t) => cellConverter(t));
      const columns = names.map((name, i) => ({
        name,
        type: types[i].toString().slice(0, 256),
        kind: kindOf(types[i]),
      }));
      const rows: Cell[][] = [];
      // The result is materialized: its chunks (~2048 rows each) are read in place, not fetched one by one through the
      // thread pool (two round trips for a one-row page). Converting one chunk per turn keeps heartbeats flowing.
      const chunks = result.chunkCount;
      for (let c = 0; c < chunks; c++) {
        if (c > 0) {
          await yieldToLoop();
          this.signal.throwIfAborted();
        }
        for (const raw of result.getChunk(c).getRows()) rows.push(raw.map((v, i) => converters[i](v)));
      }
      this.signal.throwIfAborted();
      return { columns, rows };
    } catch (e) {
      this.reusable = false;
      throw this.mapError(e);
    }
  }

  /**
   * A read on a connection that may be kept runs as a statement prepared once per connection (parsing and planning cost
   * more than running a small query); a kept statement that fails is dropped and the query prepared afresh once (the
   * dataset's view may have changed under it).
   */
  private async run(sql: string, params: readonly BindValue[]): Promise<DuckDBMaterializedResult> {
    const values = [...params] as DuckDBValue[];
    const types = paramTypes(params) as DuckDBType[] | undefined;
    if (!this.giveBack || !READS_ONLY.test(sql)) return this.conn.run(sql, values, types);
    let kept = preparedOf.get(this.conn);
    if (!kept) preparedOf.set(this.conn, (kept = new Map()));
    const old = kept.get(sql);
    if (old) {
      kept.delete(sql); // re-inserted below: Map order is the LRU order
      try {
        old.bind(values, types);
        const result = await old.run();
        kept.set(sql, old);
        return result;
      } catch (e) {
        old.destroySync();
        this.signal.throwIfAborted();
        if (!(e instanceof Error)) throw e;
      }
    }
    const stmt = await this.conn.prepare(sql);
    if (kept.size >= MAX_PREPARED) {
      const [lru, drop] = kept.entries().next().value!;
      kept.delete(lru);
      drop.destroySync();
    }
    kept.set(sql, stmt);
    stmt.bind(values, types);
    return stmt.run();
  }

  /** The first cell of the first row. */
  async scalar(sql: string, params: readonly BindValue[] = []): Promise<Cell> {
    const { rows } = await this.query(sql, params);
    return rows[0]?.[0] ?? null;
  }

  /** An appender for a table of this connection (a temporary one by default), for loading rows in bulk. */
  async appender(table: string, temporary = true): Promise<DuckDBAppender> {
    this.reusable = false;
    try {
      return temporary ? await this.conn.createAppender(table, 'main', 'temp') : await this.conn.createAppender(table);
    } catch (e) {
      throw this.mapError(e);
    }
  }

  private pollScan(): void {
    const p = this.conn.progress; // percentage -1: nothing running, or not yet measured
    const total = Number(p.total_rows_to_process);
    if (p.percentage >= 0 && total > 0)
      this.onScan?.({ rows: Number(p.rows_processed), total, fraction: p.percentage / 100 });
  }

  /** Ends the session: its connection serves another task if it is as it was handed over, else it is closed. */
  close(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    if (this.reusable && !this.signal.aborted && this.giveBack?.(this.conn)) return;
    this.conn.closeSync();
  }

  private mapError(e: unknown): unknown {
    if (this.signal.aborted) return this.signal.reason; // the executor knows why (cancel, timeout, drop)
    if (e instanceof TaskFailure) return e;
    const msg = errorMessage(e).split('\n')[0];
    // A value that does not fit the column (e.g. "abc" compared with a date) is the caller's mistake, not ours.
    if (/^Conversion Error|^Invalid Input Error: Could not convert|^Out of Range Error/.test(msg))
      return new TaskFailure('invalid_params', msg);
    return new TaskFailure('op_failed', msg);
  }
}
