// The three SQL dialects a filter compiles to: DuckDB (files), SQLite and PostgreSQL (queries pushed down to the source).
import type { ColumnInfo, Scalar } from '@simpul/protocol';
import { TaskFailure } from '../errors.ts';
import { isIntegerType } from './cells.ts';

/** A value bound to a placeholder; SQLite takes integers beyond 2^53 as bigint. */
export type BindValue = Scalar | bigint;

/** Adds a bound value and answers the placeholder that stands for it. */
export type Bind = (v: BindValue) => string;

export interface Dialect {
  name: 'duckdb' | 'sqlite' | 'postgres';
  /** The placeholder for the n-th bound value (1-based). */
  placeholder(n: number): string;
  /** The column as compared with values (SQLite compares timestamps in one normal form). */
  column(col: ColumnInfo, ident: string): string;
  /** A bound value compared with the column, so that numbers, dates and timestamps compare as such, not as text. */
  value(col: ColumnInfo, v: Scalar, bind: Bind): string;
  /** Case-insensitive substring test; the value is taken literally (no LIKE wildcards). */
  contains(col: ColumnInfo, ident: string, ph: string): string;
  startsWith(col: ColumnInfo, ident: string, ph: string): string;
}

const invalid = (col: ColumnInfo, why: string, value: unknown) =>
  new TaskFailure('invalid_params', `column "${col.name}" is ${col.type}: ${why}`, { column: col.name, value });

const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

// DuckDB type names a parameter may be cast to by name; other "other" types (nested, enums) cannot be compared with a scalar.
const PLAIN_TYPE = /^(TIME|TIME WITH TIME ZONE|TIME_NS|INTERVAL|UUID|BLOB|BIT)$/;

export const duckdb: Dialect = {
  name: 'duckdb',
  placeholder: (n) => `$${n}`,
  column: (_col, ident) => ident,
  value(col, v, bind) {
    const ph = bind(v);
    switch (col.kind) {
      case 'number':
        if (typeof v === 'number') return ph; // bound as a number (session.ts picks its type); DuckDB compares numerically
        return INTEGER_TEXT.test(String(v).trim()) && isIntegerType(col.type)
          ? `CAST(${ph} AS HUGEINT)`
          : `CAST(${ph} AS DOUBLE)`;
      case 'string':
        return `CAST(${ph} AS VARCHAR)`;
      case 'boolean':
        return `CAST(${ph} AS BOOLEAN)`;
      case 'date':
        return `CAST(${ph} AS DATE)`;
      case 'timestamp':
        return col.type.includes('TIME ZONE') ? `CAST(${ph} AS TIMESTAMPTZ)` : `CAST(${ph} AS TIMESTAMP)`;
      default:
        if (PLAIN_TYPE.test(col.type)) return `CAST(${ph} AS ${col.type})`;
        throw invalid(col, 'this type cannot be compared with a value; filter on another column', v);
    }
  },
  contains: (col, ident, ph) => `contains(lower(${asText(col, ident, 'VARCHAR')}), lower(CAST(${ph} AS VARCHAR)))`,
  startsWith: (col, ident, ph) => `starts_with(${asText(col, ident, 'VARCHAR')}, CAST(${ph} AS VARCHAR))`,
};

function asText(col: ColumnInfo, ident: string, text: string): string {
  return col.kind === 'string' ? ident : `CAST(${ident} AS ${text})`;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;
// SQLite keeps dates and times as text; one normal form (UTC, fractional seconds) makes "T" and " " forms compare alike.
const SQLITE_TS = (x: string) => `strftime('%Y-%m-%d %H:%M:%f', ${x})`;

function sqliteNumber(col: ColumnInfo, v: Scalar): number | bigint {
  if (typeof v === 'number') return v;
  const t = String(v).trim();
  if (INTEGER_TEXT.test(t)) {
    const b = BigInt(t);
    return b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(b) : b;
  }
  if (NUMBER_TEXT.test(t)) return Number(t);
  throw invalid(col, `"${t.slice(0, 80)}" is not a number`, v);
}

function sqliteBoolean(col: ColumnInfo, v: Scalar): number {
  const t = String(v).trim().toLowerCase();
  if (v === true || ['true', 't', '1', 'yes'].includes(t)) return 1;
  if (v === false || ['false', 'f', '0', 'no'].includes(t)) return 0;
  throw invalid(col, `"${t.slice(0, 80)}" is not true or false`, v);
}

/** SQLite is typed by value: values are checked and converted here, since SQLite would compare a bad one as text. */
export const sqlite: Dialect = {
  name: 'sqlite',
  placeholder: () => '?',
  column: (col, ident) => (col.kind === 'timestamp' ? SQLITE_TS(ident) : ident),
  value(col, v, bind) {
    switch (col.kind) {
      case 'number':
        return bind(sqliteNumber(col, v));
      case 'boolean':
        return bind(sqliteBoolean(col, v));
      case 'date':
        if (!ISO_DATE.test(String(v)))
          throw invalid(col, `"${String(v).slice(0, 80)}" is not a date like "2015-01-31"`, v);
        return bind(v);
      case 'timestamp':
        if (!ISO_TIMESTAMP.test(String(v)))
          throw invalid(col, `"${String(v).slice(0, 80)}" is not a timestamp like "2015-01-31T12:00:00"`, v);
        return SQLITE_TS(bind(v));
      case 'string':
        return bind(String(v));
      default:
        return bind(typeof v === 'boolean' ? Number(v) : v); // better-sqlite3 binds no booleans
    }
  },
  contains: (col, ident, ph) => `(instr(lower(${asText(col, ident, 'TEXT')}), lower(${ph})) > 0)`,
  // instr finds the first occurrence, so 1 means "at the start"; an empty prefix gives 1 too.
  startsWith: (col, ident, ph) => `(instr(${asText(col, ident, 'TEXT')}, ${ph}) = 1)`,
};

const PG_INTEGER = /^(smallint|integer|bigint|oid)$/;
const PG_TEXT = /^(text|character varying|character|name|citext)\b/;
// Enums are "string" columns, but a value outside the enum would be an error: compare them as text instead.
const pgAsText = (col: ColumnInfo) => col.kind === 'string' && !PG_TEXT.test(col.type);
const PG_FLOAT = /^(real|double precision)$/; // compared in the column's own precision: 5.6 as a real is not 5.6 as a double

/**
 * PostgreSQL infers a placeholder's type from the column it is compared with, so most values need no cast (and indexes
 * stay usable). Numbers are the exception: "30.6" would not parse as an integer, so non-integers compare as numeric.
 */
export const postgres: Dialect = {
  name: 'postgres',
  placeholder: (n) => `$${n}`,
  column: (col, ident) => (pgAsText(col) ? `CAST(${ident} AS text)` : ident),
  value(col, v, bind) {
    if (pgAsText(col)) return `CAST(${bind(v)} AS text)`;
    if (col.kind !== 'number') return bind(v);
    const t = String(v).trim();
    if (typeof v === 'string' && !NUMBER_TEXT.test(t)) throw invalid(col, `"${t.slice(0, 80)}" is not a number`, v);
    if (PG_FLOAT.test(col.type)) return `CAST(${bind(v)} AS ${col.type})`;
    if (PG_INTEGER.test(col.type) && INTEGER_TEXT.test(t) && BigInt(t) < 2n ** 63n && BigInt(t) >= -(2n ** 63n))
      return `CAST(${bind(v)} AS bigint)`;
    return `CAST(${bind(v)} AS numeric)`;
  },
  // Always cast: enums and char(n) are "string" columns too, and lower() takes only text.
  contains: (_col, ident, ph) => `(strpos(lower(CAST(${ident} AS text)), lower(CAST(${ph} AS text))) > 0)`,
  startsWith: (_col, ident, ph) => `starts_with(CAST(${ident} AS text), CAST(${ph} AS text))`,
};
