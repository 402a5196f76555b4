// The benchmark's yardstick: the same SQL as the runner's op 200 and describe, on a bare DuckDB in this process.
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { ColumnInfo, ColumnKind } from '@simpul/protocol';
import { describe } from '../../runner/src/analysis/describe.ts';
import type { SqlSource } from '../../runner/src/analysis/types.ts';

const quote = (p: string) => `'${p.replace(/'/g, "''")}'`;

function kindOf(type: string): ColumnKind {
  if (/INT|DOUBLE|FLOAT|DECIMAL|REAL/.test(type)) return 'number';
  if (type === 'VARCHAR') return 'string';
  if (type === 'BOOLEAN') return 'boolean';
  if (type === 'DATE') return 'date';
  if (type.startsWith('TIMESTAMP')) return 'timestamp';
  return 'other';
}

export class BareDuckDb {
  private constructor(
    private readonly db: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(memoryLimit: string): Promise<BareDuckDb> {
    const db = await DuckDBInstance.create(':memory:', { memory_limit: memoryLimit });
    return new BareDuckDb(db, await db.connect());
  }

  private async view(file: string): Promise<{ relation: string; columns: ColumnInfo[] }> {
    const reader = file.endsWith('.parquet') ? `read_parquet(${quote(file)})` : `read_csv(${quote(file)})`;
    await this.conn.run(`CREATE OR REPLACE VIEW bench AS SELECT * FROM ${reader}`);
    const probe = await this.conn.run('SELECT * FROM bench LIMIT 0');
    const types = probe.columnTypes().map((t) => t.toString());
    return {
      relation: 'bench',
      columns: probe.columnNames().map((name, i) => ({ name, type: types[i], kind: kindOf(types[i]) })),
    };
  }

  /** op 200's two statements: both counts in one scan, then the first page. */
  async filter(file: string, where: string, params: DuckDBValue[], limit = 100): Promise<number> {
    const { relation } = await this.view(file);
    const t0 = performance.now();
    await this.conn.runAndReadAll(`SELECT COUNT(*), COUNT(*) FILTER (WHERE ${where}) FROM ${relation}`, params);
    await this.conn.runAndReadAll(`SELECT * FROM ${relation} WHERE ${where} LIMIT ${limit} OFFSET 0`, params);
    return performance.now() - t0;
  }

  /** describe's statements, issued by the runner's own describe code against this bare connection. */
  async describe(file: string): Promise<number> {
    const { relation, columns } = await this.view(file);
    const src: SqlSource = {
      relation,
      columns,
      signal: new AbortController().signal,
      progress: () => {},
      query: async (sql, params = []) =>
        (await this.conn.runAndReadAll(sql, params as DuckDBValue[])).getRowObjectsJS() as Record<string, unknown>[],
    };
    const t0 = performance.now();
    await describe(src, { analysis: 'describe', bins: 20, top: 10 });
    return performance.now() - t0;
  }

  close(): void {
    this.conn.closeSync();
    this.db.closeSync();
  }
}
