// DuckDB values to JSON cells: numbers that fit a double exactly stay numbers, the rest become strings.
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  type DuckDBValueConverter,
  type Json,
  JsonDuckDBValueConverter,
} from '@duckdb/node-api';
import type { Cell, ColumnKind } from '@simpul/protocol';

export type CellConverter = (v: DuckDBValue) => Cell;

const NUMBER_IDS = new Set([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
  DuckDBTypeId.BIGNUM,
]);
const TIMESTAMP_IDS = new Set([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
  DuckDBTypeId.TIMESTAMP_TZ,
]);
const STRING_IDS = new Set([DuckDBTypeId.VARCHAR, DuckDBTypeId.ENUM, DuckDBTypeId.UUID]);

export function kindOf(type: DuckDBType): ColumnKind {
  const id = type.typeId;
  if (NUMBER_IDS.has(id)) return 'number';
  if (STRING_IDS.has(id)) return 'string';
  if (id === DuckDBTypeId.BOOLEAN) return 'boolean';
  if (id === DuckDBTypeId.DATE) return 'date';
  if (TIMESTAMP_IDS.has(id)) return 'timestamp';
  return 'other';
}

/** Integer-valued DuckDB types (for deciding how to cast a string value compared with them). */
export const isIntegerType = (typeName: string): boolean =>
  /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|BIGNUM)$/.test(typeName);

const finiteNumber = (n: number): Cell => (Number.isFinite(n) ? n : String(n)); // JSON has no NaN or Infinity

function bigintCell(v: bigint): Cell {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
}

function numberCell(v: DuckDBValue): Cell {
  if (typeof v === 'number') return finiteNumber(v);
  if (typeof v === 'bigint') return bigintCell(v);
  if (v instanceof DuckDBDecimalValue) return finiteNumber(v.toDouble());
  return String(v);
}

/** DuckDB prints `2015-01-02 10:00:00.5+00`; ISO 8601 wants a T and Z. */
function timestampCell(v: DuckDBValue): Cell {
  const s = String(v);
  if (!/^\d{4}-\d{2}-\d{2} /.test(s)) return s; // infinity, or years beyond 9999
  return s.replace(' ', 'T').replace(/\+00(:00)?$/, 'Z');
}

/** DuckDB's JSON conversion, but a 64-bit integer inside a list or struct that fits a double exactly stays a number. */
const nestedJson: DuckDBValueConverter<Json> = (v, type, conv) =>
  typeof v === 'bigint' ? bigintCell(v) : JsonDuckDBValueConverter(v, type, conv);

function nested(type: DuckDBType): CellConverter {
  // Lists, structs, maps: the JSON text of the value, so a cell stays a scalar.
  return (v) => JSON.stringify(nestedJson(v, type, nestedJson));
}

/** A converter for one column of the given type. */
export function cellConverter(type: DuckDBType): CellConverter {
  const id = type.typeId;
  let conv: CellConverter;
  if (NUMBER_IDS.has(id)) conv = numberCell;
  else if (id === DuckDBTypeId.BOOLEAN) conv = (v) => v === true;
  else if (id === DuckDBTypeId.VARCHAR) conv = (v) => v as string;
  else if (id === DuckDBTypeId.DATE)
    conv = (v) => (v instanceof DuckDBDateValue && !v.isFinite ? (v.days > 0 ? 'infinity' : '-infinity') : String(v));
  else if (TIMESTAMP_IDS.has(id)) conv = timestampCell;
  else if (id === DuckDBTypeId.BLOB)
    conv = (v) => (v instanceof DuckDBBlobValue ? Buffer.from(v.bytes).toString('base64') : String(v));
  else if (
    [
      DuckDBTypeId.LIST,
      DuckDBTypeId.ARRAY,
      DuckDBTypeId.STRUCT,
      DuckDBTypeId.MAP,
      DuckDBTypeId.UNION,
      DuckDBTypeId.VARIANT,
    ].includes(id)
  )
    conv = nested(type);
  else conv = (v) => String(v);
  return (v) => (v === null || v === undefined ? null : conv(v));
}
