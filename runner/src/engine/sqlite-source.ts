// A table or view of a SQLite file: schema from its declared types, queries pushed down and run in a worker thread.
import type { Cell, ColumnInfo, ColumnKind } from '@simpul/protocol';
import type { SqliteDatasetConfig } from '../dataset-config.ts';
import { TaskFailure } from '../errors.ts';
import type { DatasetCore, SourceEnv } from './datasets.ts';
import { type RemoteTable, remoteCore } from './remote-dataset.ts';
import { type BindValue, sqlite } from './sql-dialect.ts';
import { CANCEL_CHECK, SqliteError } from './sqlite-pool.ts';
import { quoteIdent } from './sql.ts';
import type { LoadType } from './temp-table.ts';

const TableRow = (r: unknown[]) => ({ name: String(r[0]), type: String(r[1]) });

/** A column's kind and load type from its declared type, following SQLite's affinity rules plus the usual date names. */
export function sqliteKind(declared: string): { kind: ColumnKind; load: LoadType } {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return { kind: 'number', load: 'BIGINT' };
  if (t.includes('BOOL')) return { kind: 'boolean', load: 'BOOLEAN' };
  if (t.includes('DATETIME') || t.includes('TIMESTAMP')) return { kind: 'timestamp', load: 'TIMESTAMP' };
  if (t === 'DATE') return { kind: 'date', load: 'DATE' };
  if (/CHAR|CLOB|TEXT/.test(t)) return { kind: 'string', load: 'VARCHAR' };
  if (/REAL|FLOA|DOUB|NUMERIC|DECIMAL/.test(t)) return { kind: 'number', load: 'DOUBLE' };
  if (t.includes('BLOB')) return { kind: 'other', load: 'BLOB' };
  return { kind: 'string', load: 'VARCHAR' };
}

// An undeclared type (e.g. a view's computed column) is taken from the first value SQLite stores in it.
const SAMPLED: Record<string, string> = { integer: 'INTEGER', real: 'REAL', text: 'TEXT', blob: 'BLOB' };

const safeInt = (b: bigint): Cell =>
  b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(b) : b.toString();

function cellOf(col: ColumnInfo): (v: unknown) => Cell {
  return (v) => {
    if (v === null || v === undefined) return null;
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (col.kind === 'boolean' && (typeof v === 'number' || typeof v === 'bigint')) return Number(v) !== 0;
    if (typeof v === 'bigint') return safeInt(v);
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (col.kind === 'timestamp' && typeof v === 'string') return v.replace(/^(\d{4}-\d{2}-\d{2}) (?=\d)/, '$1T'); // ISO 8601, like the other sources
    return String(v);
  };
}

export async function openSqliteDataset(d: SqliteDatasetConfig, env: SourceEnv): Promise<DatasetCore> {
  const pool = env.sqlite;
  pool.warm();
  const setup = new AbortController().signal;
  const run = async (sql: string, params: BindValue[], signal: AbortSignal) => {
    try {
      return await pool.all(d.path, sql, params, signal);
    } catch (e) {
      if (e instanceof SqliteError) throw new TaskFailure('op_failed', `SQLite: ${e.message}`);
      throw e;
    }
  };

  const tables = (
    await run("SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name", [], setup)
  ).map(TableRow);
  const found =
    tables.find((t) => t.name === d.table) ?? tables.find((t) => t.name.toLowerCase() === d.table.toLowerCase());
  if (!found)
    throw new Error(
      `no table or view "${d.table}" in ${d.path}; it has: ${tables.map((t) => t.name).join(', ') || '(none)'}`,
    );
  const table = quoteIdent(found.name);
  // Every query reads through the cancel check, so that a canceled task stops SQLite too.
  const relation = `(SELECT * FROM ${table} WHERE ${CANCEL_CHECK})`;
  // hidden 1 marks a virtual table's hidden columns; 2 and 3 are generated columns, which are ordinary to read.
  const info = await run(
    'SELECT name, type FROM pragma_table_xinfo(?) WHERE hidden != 1 ORDER BY cid',
    [found.name],
    setup,
  );
  const columns: ColumnInfo[] = [];
  const loads = new Map<string, LoadType>();
  for (const [name, declared] of info.map((r) => [String(r[0]), String(r[1] ?? '')])) {
    let type = declared;
    if (!type) {
      const sample = await run(
        `SELECT typeof(${quoteIdent(name)}) FROM ${table} WHERE ${quoteIdent(name)} IS NOT NULL LIMIT 1`,
        [],
        setup,
      );
      type = SAMPLED[String(sample[0]?.[0])] ?? 'TEXT';
    }
    const k = sqliteKind(type);
    columns.push({ name, type: type.slice(0, 256), kind: k.kind });
    loads.set(name, k.load);
  }
  const rowCount = Number((await run(`SELECT COUNT(*) FROM ${relation}`, [], setup))[0][0]);

  const remote: RemoteTable = {
    dialect: sqlite,
    relation,
    columns,
    defaultOrder: '', // SQLite returns a table's rows in rowid order
    all: run,
    async *stream(sql, params, signal) {
      try {
        yield* pool.stream(d.path, sql, params, signal);
      } catch (e) {
        if (e instanceof SqliteError) throw new TaskFailure('op_failed', `SQLite: ${e.message}`);
        throw e;
      }
    },
    cell: cellOf,
    load(col) {
      const ident = quoteIdent(col.name);
      const type = loads.get(col.name) ?? 'VARCHAR';
      // Dates and times in one normal form (or NULL when SQLite cannot read them), so DuckDB can cast them.
      if (type === 'DATE') return { expr: `date(${ident})`, type };
      if (type === 'TIMESTAMP') return { expr: `strftime('%Y-%m-%d %H:%M:%f', ${ident})`, type };
      return { expr: ident, type };
    },
    close: async () => {}, // the pool belongs to the engine
  };
  return remoteCore(d.name, remote, rowCount);
}
