// A dataset as the operations see it, whatever holds the data: count, read a page, or hand analyses a relation in DuckDB.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Cell, ColumnInfo, DatasetInfo, FilterExpr } from '@simpul/protocol';
import type { DatasetConfig } from '../config.ts';
import { TaskFailure, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import { openFileDataset } from './file-source.ts';
import type { CompiledSql } from './filter-sql.ts';
import type { Counts, PageQuery } from './row-query.ts';
import type { Session } from './session.ts';
import type { SqlitePool } from './sqlite-pool.ts';
import { resolveColumn } from './sql.ts';
import { advertisedPolicy, hideColumns } from '../policy/hidden-columns.ts';
import { mapColumns } from './column-map.ts';

/** A relation in the task's DuckDB session, with the filter still to apply (if it was not applied while loading it). */
export interface Relation {
  relation: string; // a safe SQL relation: a quoted view or temporary table name
  where?: CompiledSql; // DuckDB SQL with $1..$n
}

export interface Dataset {
  name: string;
  config: DatasetConfig;
  columns: ColumnInfo[];
  info: DatasetInfo; // what the hub is told
  dialect?: string; // how the file is read, for `simpul-runner check`
  /** The column called `name`, or a task failure `unknown_column`. */
  column(name: string): ColumnInfo;
  /** Rows in all, and rows matching `where` (all of them without one). */
  count(db: Session, where?: FilterExpr): Promise<Counts>;
  /** One page of rows; columns are the dataset's own descriptions of the selected columns. */
  page(db: Session, q: PageQuery): Promise<{ columns: ColumnInfo[]; rows: Cell[][] }>;
  /** The rows matching every filter in `wheres`, as a relation analyses and exports can query in `db`. */
  relation(db: Session, wheres: FilterExpr[], progress?: (message: string) => void): Promise<Relation>;
  /** Releases what the dataset holds open (connections to the source). */
  close(): Promise<void>;
}

/** What a source may need besides its config. */
export interface SourceEnv {
  conn: DuckDBConnection; // the engine's set-up connection, for views
  connect(): Promise<DuckDBConnection>; // a connection of the source's own (closed by its close())
  cacheDir: string; // where converted files are kept
  sqlite: SqlitePool; // worker threads that run SQLite queries off the event loop
  log: Logger;
}

/** The parts of a Dataset that depend on where the data lives. */
export type DatasetCore = Omit<Dataset, 'name' | 'config' | 'info' | 'column'> & {
  rowCount: number;
  dialect?: string; // how the file is read (a CSV's delimiter, quote, encoding…), for `simpul-runner check`
  warnings?: string[]; // what the owner should look at: rows padded, names made unique, an encoding guessed
};

/** Completes a source's core into a Dataset; a core may replace its columns and row count later (a refreshed Arrow file). */
export function makeDataset(d: DatasetConfig, source: DatasetCore): Dataset {
  // Local columns go by their shared names (columns: { shared: { from: local } }), then the owner's hidden_columns
  // (named as advertised) are gone from here on.
  const core = hideColumns(d, mapColumns(d, source));
  // Warnings name columns (made unique, holding missing codes): one that names a hidden column is not told.
  const hidden = d.policy?.hidden_columns ?? [];
  const warnings = () => (source.warnings ?? []).filter((w) => !hidden.some((h) => w.includes(h)));
  return {
    name: d.name,
    config: d,
    get info(): DatasetInfo {
      return {
        name: d.name,
        columns: core.columns.slice(0, 2000),
        row_count: core.rowCount,
        format: d.format,
        ...(warnings().length
          ? {
              warnings: warnings()
                .slice(0, 20)
                .map((w) => w.slice(0, 500)),
            }
          : {}),
        ...(d.policy ? { policy: advertisedPolicy(d.policy) } : {}),
      };
    },
    get columns() {
      return core.columns;
    },
    get dialect() {
      return source.dialect;
    },
    column: (name) => resolveColumn(d.name, core.columns, name),
    count: (db, where) => core.count(db, where),
    page: (db, q) => core.page(db, q),
    relation: (db, wheres, progress) => core.relation(db, wheres, progress),
    close: () => core.close(),
  };
}

function broken(d: DatasetConfig, e: unknown): Dataset {
  const error = errorMessage(e).split('\n')[0].slice(0, 1000);
  const fail = () =>
    Promise.reject(
      new TaskFailure('dataset_not_found', `dataset "${d.name}" could not be opened on this runner: ${error}`),
    );
  return {
    name: d.name,
    config: d,
    columns: [],
    info: {
      name: d.name,
      columns: [],
      row_count: null,
      format: d.format,
      error,
      ...(d.policy ? { policy: advertisedPolicy(d.policy) } : {}),
    },
    column: (name) => resolveColumn(d.name, [], name),
    count: fail,
    page: fail,
    relation: fail,
    close: async () => {},
  };
}

/** Opens the dataset and reads its schema and row count. One that cannot be opened is still advertised, with its error. */
export async function openDataset(d: DatasetConfig, env: SourceEnv): Promise<Dataset> {
  try {
    // Each kind of source loads its libraries (pg, apache-arrow) only when a dataset needs them.
    switch (d.format) {
      case 'sqlite':
        return makeDataset(d, await (await import('./sqlite-source.ts')).openSqliteDataset(d, env));
      case 'postgres':
        return makeDataset(d, await (await import('./postgres-source.ts')).openPostgresDataset(d, env));
      case 'arrow':
        return makeDataset(d, await (await import('./arrow-source.ts')).openArrowDataset(d, env));
      case 'xlsx':
        return makeDataset(d, await (await import('./xlsx-source.ts')).openXlsxDataset(d, env));
      case 'sav':
        return makeDataset(d, await (await import('./sav-source.ts')).openSavDataset(d, env));
      default:
        return makeDataset(d, await openFileDataset(d, env));
    }
  } catch (e) {
    return broken(d, e);
  }
}
