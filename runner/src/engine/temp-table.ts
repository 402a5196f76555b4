// Rows streamed from a source into a DuckDB temporary table of the task's session, chunk by chunk, with DuckDB's appender.
import { randomBytes } from 'node:crypto';
import type { DuckDBAppender } from '@duckdb/node-api';
import type { Session } from './session.ts';
import { quoteIdent } from './sql.ts';

/** The DuckDB column types a source's columns land in. */
export type LoadType = 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR' | 'DATE' | 'TIMESTAMP' | 'TIMESTAMPTZ' | 'BLOB';

export type Append = (ap: DuckDBAppender, v: unknown) => void;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$|^[+-]?(NaN|Infinity)$/i;
// What DuckDB's own casts accept for dates and timestamps (its appender casts text to the column's type).
const DATE_TEXT = /^(\d{4,}-\d{2}-\d{2}|-?infinity)$/;
const TIMESTAMP_TEXT = /^(\d{4,}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?|-?infinity)$/i;

const bytesOf = (v: unknown): Uint8Array | null => {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string' && /^\\x([0-9a-f]{2})*$/i.test(v)) return Buffer.from(v.slice(2), 'hex'); // PostgreSQL's bytea text
  return null;
};

function bigintOf(v: unknown): bigint | null {
  let b: bigint | null = null;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else if (typeof v === 'string' && INTEGER_TEXT.test(v.trim())) b = BigInt(v.trim());
  return b !== null && b >= INT64_MIN && b <= INT64_MAX ? b : null;
}

function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && NUMBER_TEXT.test(v.trim())) return Number(v.trim());
  return null;
}

function booleanOf(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (['t', 'true', '1', 'yes'].includes(t)) return true;
    if (['f', 'false', '0', 'no'].includes(t)) return false;
  }
  return null;
}

function textOf(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return String(v);
}

/**
 * How a raw value from a source is appended to a column of `type`. Sources are loosely typed (SQLite keeps any value in any
 * column), so a value that does not fit the column becomes NULL rather than failing the whole load.
 */
export function appendAs(type: LoadType): Append {
  const orNull =
    <T>(conv: (v: unknown) => T | null, put: (ap: DuckDBAppender, x: T) => void): Append =>
    (ap, v) => {
      const x = v === null || v === undefined ? null : conv(v);
      if (x === null) ap.appendNull();
      else put(ap, x);
    };
  switch (type) {
    case 'BIGINT':
      return orNull(bigintOf, (ap, x) => ap.appendBigInt(x));
    case 'DOUBLE':
      return orNull(numberOf, (ap, x) => ap.appendDouble(x));
    case 'BOOLEAN':
      return orNull(booleanOf, (ap, x) => ap.appendBoolean(x));
    case 'VARCHAR':
      return orNull(textOf, (ap, x) => ap.appendVarchar(x));
    case 'BLOB':
      return orNull(bytesOf, (ap, x) => ap.appendBlob(x));
    case 'DATE':
      return orNull(
        (v) => (typeof v === 'string' && DATE_TEXT.test(v) ? v : null),
        (ap, x) => ap.appendVarchar(x),
      );
    case 'TIMESTAMP':
    case 'TIMESTAMPTZ':
      return orNull(
        (v) => (typeof v === 'string' && TIMESTAMP_TEXT.test(v) ? v : null),
        (ap, x) => ap.appendVarchar(x),
      );
  }
}

export interface LoadColumn {
  name: string;
  type: LoadType;
}

/**
 * Creates a temporary table in `db` and appends every chunk to it; the table lives as long as the task's connection.
 * Returns its quoted name and how many rows arrived.
 */
export async function loadTempTable(
  db: Session,
  columns: readonly LoadColumn[],
  chunks: AsyncIterable<unknown[][]>,
  onChunk?: (rows: number) => void,
): Promise<{ relation: string; rows: number }> {
  const table = `source_${randomBytes(8).toString('hex')}`;
  await db.query(
    `CREATE TEMP TABLE ${quoteIdent(table)} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`,
  );
  const ap = await db.appender(table);
  const appends = columns.map((c) => appendAs(c.type));
  let rows = 0;
  try {
    for await (const chunk of chunks) {
      db.signal.throwIfAborted();
      for (const row of chunk) {
        for (let i = 0; i < appends.length; i++) appends[i](ap, row[i]);
        ap.endRow();
      }
      rows += chunk.length;
      onChunk?.(rows);
    }
    ap.flushSync();
  } catch (e) {
    try {
      ap.closeSync();
    } catch {
      // the first error is the one to report; the table goes with the connection
    }
    throw e;
  }
  ap.closeSync();
  return { relation: quoteIdent(table), rows };
}
