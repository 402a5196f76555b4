// A small result table as Parquet: staged as newline-delimited JSON, then converted by DuckDB with explicit types.
import { rm, writeFile } from 'node:fs/promises';
import type { Cell, ReportTable as Table } from '@simpul/protocol';
import { quoteIdent, sqlString } from '../analysis/sql.ts';
import type { SqlSource } from '../analysis/types.ts';

function typeOf(values: Cell[]): string {
  const present = values.filter((v) => v !== null);
  if (present.length > 0 && present.every((v) => typeof v === 'number')) return 'DOUBLE';
  if (present.length > 0 && present.every((v) => typeof v === 'boolean')) return 'BOOLEAN';
  return 'VARCHAR';
}

/** Unique output names: a repeated name gets a numeric suffix. */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}_${k}`;
  });
}

export async function tableToParquet(src: SqlSource, t: Table, outPath: string): Promise<void> {
  const staged = `${outPath}.rows.ndjson`;
  // Keys c0..cn keep the table's column names out of the staged file and the type spec; they return as quoted aliases.
  const types = t.columns.map((_, i) => typeOf(t.rows.map((r) => r[i])));
  const lines = t.rows.map((r) =>
    JSON.stringify(
      Object.fromEntries(r.map((v, i) => [`c${i}`, types[i] === 'VARCHAR' && v !== null ? String(v) : v])),
    ),
  );
  await writeFile(staged, `${lines.join('\n')}\n`);
  try {
    const spec = `{${types.map((ty, i) => `'c${i}': '${ty}'`).join(', ')}}`;
    const names = uniqueNames(t.columns);
    const select = names.map((n, i) => `c${i} AS ${quoteIdent(n)}`).join(', ');
    await src.query(
      `COPY (SELECT ${select} FROM read_json(${sqlString(staged)}, format = 'newline_delimited', columns = ${spec})) TO ${sqlString(outPath)} (FORMAT parquet)`,
    );
  } finally {
    await rm(staged, { force: true });
  }
}
