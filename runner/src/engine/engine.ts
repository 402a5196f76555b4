// The runner's data engine: one in-process DuckDB, a dataset per config entry, one connection per running task (kept
// for a later task when the task left nothing in it: session.ts).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { DatasetInfo, DatasetPolicy } from '@simpul/protocol';
import type { DatasetConfig, RunnerConfig } from '../config.ts';
import { TaskFailure } from '../errors.ts';
import type { Logger } from '../log.ts';
import { type Dataset, openDataset } from './datasets.ts';
import { PROGRESS_SETTINGS, Session } from './session.ts';
import { SqlitePool } from './sqlite-pool.ts';

export interface EngineOptions {
  cacheDir?: string; // where Arrow files are kept as Parquet; default: a folder in the system's temp dir
}

/** Connections kept for the next tasks (a task's own connection costs more to open than a small query to run). */
const IDLE_CONNECTIONS = 16;

export class Engine {
  private readonly idle: DuckDBConnection[] = [];
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection, // the engine's own: views, and Arrow conversions
    private readonly sqlite: SqlitePool,
    private readonly byName: Map<string, Dataset>,
  ) {}

  static async open(
    duckdb: RunnerConfig['duckdb'],
    datasets: DatasetConfig[],
    log: Logger,
    opts: EngineOptions = {},
  ): Promise<Engine> {
    const options: Record<string, string> = {};
    if (duckdb.memory_limit) options.memory_limit = duckdb.memory_limit;
    if (duckdb.threads) options.threads = String(duckdb.threads);
    const instance = await DuckDBInstance.create(':memory:', options);
    const conn = await instance.connect();
    const sqlite = new SqlitePool(log);
    const env = {
      conn,
      connect: () => instance.connect(),
      cacheDir: opts.cacheDir ?? join(tmpdir(), 'simpul-runner-cache'),
      sqlite,
      log,
    };
    const byName = new Map<string, Dataset>();
    for (const d of datasets) {
      const ds = await openDataset(d, env);
      byName.set(d.name, ds);
      const where = d.format === 'postgres' ? d.table : d.path;
      if (ds.info.error)
        log.warn('dataset could not be opened', {
          dataset: d.name,
          format: d.format,
          source: where,
          error: ds.info.error,
        });
      else
        log.info('dataset ready', {
          dataset: d.name,
          format: d.format,
          columns: ds.columns.length,
          rows: ds.info.row_count,
        });
    }
    return new Engine(instance, conn, sqlite, byName);
  }

  /** What the hub is told: schema and row count of each dataset, never rows. */
  datasets(): DatasetInfo[] {
    return [...this.byName.values()].map((d) => d.info);
  }

  /** The data owner's rules for a dataset, if any. */
  policy(name: string): DatasetPolicy | undefined {
    return this.byName.get(name)?.config.policy;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The dataset called `name`, or a task failure `dataset_not_found`. */
  dataset(name: string): Dataset {
    const ds = this.byName.get(name);
    if (!ds) {
      const have = this.names();
      throw new TaskFailure(
        'dataset_not_found',
        `this runner has no dataset "${name}"${have.length ? `; it serves: ${have.join(', ')}` : ''}`,
      );
    }
    const error = ds.info.error;
    if (error)
      throw new TaskFailure('dataset_not_found', `dataset "${name}" could not be opened on this runner: ${error}`);
    return ds;
  }

  /** A connection of its own for one task; `signal` interrupts whatever it is running. */
  async session(signal: AbortSignal): Promise<Session> {
    let conn = this.idle.pop();
    if (!conn) {
      conn = await this.instance.connect();
      await conn.run(PROGRESS_SETTINGS);
    }
    return new Session(conn, signal, (c) => {
      if (this.closed || this.idle.length >= IDLE_CONNECTIONS) return false;
      this.idle.push(c);
      return true;
    });
  }

  /** Closes sources' connections, SQLite workers and DuckDB. */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.closeSync();
    await Promise.all([...this.byName.values()].map((d) => d.close().catch(() => {})));
    await this.sqlite.close();
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
