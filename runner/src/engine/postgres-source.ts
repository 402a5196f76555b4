// A table or view of a PostgreSQL database: schema from the catalog, queries pushed down, canceled with pg_cancel_backend.
import type { Cell, ColumnInfo, ColumnKind } from '@simpul/protocol';
import type { PostgresDatasetConfig } from '../dataset-config.ts';
import type { DatasetCore, SourceEnv } from './datasets.ts';
import { PgLink } from './postgres-link.ts';
import { type RemoteTable, plain, remoteCore } from './remote-dataset.ts';
import { postgres } from './sql-dialect.ts';
import { quoteIdent } from './sql.ts';
import type { LoadType } from './temp-table.ts';

/** A column's kind and load type from its type (a domain counts as its base type). */
export function postgresKind(typname: string, category: string): { kind: ColumnKind; load: LoadType } {
  if (/^(int2|int4|int8|oid)$/.test(typname)) return { kind: 'number', load: 'BIGINT' };
  if (/^(float4|float8|numeric)$/.test(typname)) return { kind: 'number', load: 'DOUBLE' };
  if (typname === 'bool') return { kind: 'boolean', load: 'BOOLEAN' };
  if (typname === 'date') return { kind: 'date', load: 'DATE' };
  if (typname === 'timestamp') return { kind: 'timestamp', load: 'TIMESTAMP' };
  if (typname === 'timestamptz') return { kind: 'timestamp', load: 'TIMESTAMPTZ' };
  if (category === 'S' || category === 'E') return { kind: 'string', load: 'VARCHAR' }; // text, varchar, char, name; enums
  if (typname === 'bytea') return { kind: 'other', load: 'BLOB' };
  return { kind: 'other', load: 'VARCHAR' }; // json, uuid, arrays, intervals…: their text
}

const SPECIAL_NUMBER = /^(-?Infinity|NaN)$/;

/** PostgreSQL's text form of a value (every type is read as text) to a JSON cell like the other sources give. */
function cellOf(load: LoadType, kind: ColumnKind): (v: unknown) => Cell {
  return (v) => {
    if (v === null || v === undefined) return null;
    const t = String(v);
    switch (load) {
      case 'BIGINT': {
        const n = Number(t);
        return Number.isSafeInteger(n) ? n : t;
      }
      case 'DOUBLE':
        return SPECIAL_NUMBER.test(t) ? t : Number(t);
      case 'BOOLEAN':
        return t === 't';
      case 'TIMESTAMP':
      case 'TIMESTAMPTZ':
        return t.replace(/^(\d{4}-\d{2}-\d{2}) (?=\d)/, '$1T').replace(/\+00(:00)?$/, 'Z');
      case 'BLOB':
        return t.startsWith('\\x') ? Buffer.from(t.slice(2), 'hex').toString('base64') : t;
      default:
        return kind === 'number' && !SPECIAL_NUMBER.test(t) ? Number(t) : t;
    }
  };
}

/** `schema.name` or `name` (found on the search path), each part as written. */
function regclassText(table: string): string {
  const dot = table.indexOf('.');
  return dot > 0 ? `${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}` : quoteIdent(table);
}

const CATALOG_COLUMNS = `
  SELECT a.attname, format_type(a.atttypid, a.atttypmod), COALESCE(b.typname, t.typname), COALESCE(b.typcategory, t.typcategory)
  FROM pg_attribute a
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
  WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attnum`;

const PRIMARY_KEY = `
  SELECT a.attname FROM pg_index i
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
  WHERE i.indrelid = $1 AND i.indisprimary
  ORDER BY array_position(i.indkey::int2[], a.attnum)`;

export async function openPostgresDataset(d: PostgresDatasetConfig, env: SourceEnv): Promise<DatasetCore> {
  const link = new PgLink(d.connection, env.log.child({ dataset: d.name }));
  try {
    const setup = new AbortController().signal;
    const [found] = await link.all(
      'SELECT c.oid::int8, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)',
      [regclassText(d.table)],
      setup,
    );
    if (!found) {
      const some = await link.all(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 LIMIT 30",
        [],
        setup,
      );
      throw new Error(
        `no table or view "${d.table}" in that database; it has: ${some.map((r) => r[0]).join(', ') || '(none visible)'}`,
      );
    }
    const [oid, schema, name] = found.map(String);
    const relation = `${quoteIdent(schema)}.${quoteIdent(name)}`;
    const columns: ColumnInfo[] = [];
    const types = new Map<string, { load: LoadType; kind: ColumnKind }>();
    for (const [col, type, typname, category] of (await link.all(CATALOG_COLUMNS, [oid], setup)).map((r) =>
      r.map(String),
    )) {
      const k = postgresKind(typname, category);
      columns.push({ name: col, type: type.slice(0, 256), kind: k.kind });
      types.set(col, k);
    }
    // Without ORDER BY PostgreSQL may return rows in any order; the primary key keeps pages from overlapping.
    const pk = (await link.all(PRIMARY_KEY, [oid], setup)).map((r) => quoteIdent(String(r[0])));
    const rowCount = Number((await link.all(`SELECT COUNT(*) FROM ${relation}`, [], setup))[0][0]);

    const table: RemoteTable = {
      dialect: postgres,
      relation,
      columns,
      defaultOrder: pk.length ? ` ORDER BY ${pk.join(', ')}` : '',
      all: (sql, params, signal) => link.all(sql, params, signal),
      stream: (sql, params, signal) => link.stream(sql, params, signal),
      cell: (col) => {
        const k = types.get(col.name)!;
        return cellOf(k.load, k.kind);
      },
      load: (col) => ({ expr: plain(col), type: types.get(col.name)!.load }),
      close: () => link.close(),
    };
    return remoteCore(d.name, table, rowCount);
  } catch (e) {
    await link.close();
    throw e;
  }
}
