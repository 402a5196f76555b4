// Arrow column types as DuckDB column types, and how one Arrow value is appended to DuckDB.
import {
  type DuckDBAppender,
  DuckDBDateValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
} from '@duckdb/node-api';
import {
  type DataType,
  type Decimal,
  type Dictionary,
  type Field,
  type Float,
  type Int,
  type Time,
  type Timestamp,
  TimeUnit,
  Type,
  type Vector,
} from 'apache-arrow';

export interface ArrowColumn {
  name: string;
  type: string; // DuckDB type for CREATE TABLE
  /** Appends row `i` of `v` (a column of one record batch). */
  append(ap: DuckDBAppender, v: Vector, i: number): void;
}

type Put = (ap: DuckDBAppender, value: unknown, v: Vector, i: number) => void;

const DAY_MS = 86_400_000;
const PER_SECOND: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: 1n,
  [TimeUnit.MILLISECOND]: 1_000n,
  [TimeUnit.MICROSECOND]: 1_000_000n,
  [TimeUnit.NANOSECOND]: 1_000_000_000n,
};

/** A value in `unit` as microseconds (nanoseconds are truncated: DuckDB's TIMESTAMP and TIME count microseconds). */
function micros(raw: bigint | number, unit: TimeUnit): bigint {
  const b = typeof raw === 'bigint' ? raw : BigInt(Math.trunc(raw));
  return (b * 1_000_000n) / PER_SECOND[unit];
}

/** The stored integer of row `i` (Arrow's get() turns timestamps into milliseconds, which would lose microseconds). */
function rawInt64(v: Vector, i: number): bigint | null {
  if (v.data.length !== 1) return null;
  const d = v.data[0];
  return d.values instanceof BigInt64Array ? d.values[d.offset + i] : null;
}

/** Decimal's unscaled integer text with the point put back: exact, and DuckDB's appender casts it to DECIMAL. */
function decimalText(value: unknown, scale: number): string {
  const digits = String(value);
  if (scale <= 0) return `${digits}${'0'.repeat(-scale)}`;
  const neg = digits.startsWith('-');
  const abs = (neg ? digits.slice(1) : digits).padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${abs.slice(0, -scale)}.${abs.slice(-scale)}`;
}

/** Nested and unusual values (lists, structs, maps, intervals) as JSON text, so a cell stays a scalar. */
function jsonText(value: unknown): string {
  const plain =
    value !== null && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function'
      ? value.toJSON()
      : value;
  return typeof plain === 'string'
    ? plain
    : JSON.stringify(plain, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

function intColumn(t: Int): [string, Put] {
  const n = (x: unknown) => Number(x);
  const b = (x: unknown) => BigInt(x as bigint | number);
  if (t.isSigned) {
    if (t.bitWidth === 8) return ['TINYINT', (ap, x) => ap.appendTinyInt(n(x))];
    if (t.bitWidth === 16) return ['SMALLINT', (ap, x) => ap.appendSmallInt(n(x))];
    if (t.bitWidth === 32) return ['INTEGER', (ap, x) => ap.appendInteger(n(x))];
    return ['BIGINT', (ap, x) => ap.appendBigInt(b(x))];
  }
  if (t.bitWidth === 8) return ['UTINYINT', (ap, x) => ap.appendUTinyInt(n(x))];
  if (t.bitWidth === 16) return ['USMALLINT', (ap, x) => ap.appendUSmallInt(n(x))];
  if (t.bitWidth === 32) return ['UINTEGER', (ap, x) => ap.appendUInteger(n(x))];
  return ['UBIGINT', (ap, x) => ap.appendUBigInt(b(x))];
}

/** DuckDB type and appender for an Arrow type; `viaGet` is set for dictionary values, which only get() decodes. */
function columnFor(t: DataType, viaGet = false): [string, Put] {
  switch (t.typeId) {
    case Type.Null:
      return ['VARCHAR', (ap) => ap.appendNull()];
    case Type.Bool:
      return ['BOOLEAN', (ap, x) => ap.appendBoolean(Boolean(x))];
    case Type.Int:
      return intColumn(t as Int);
    case Type.Float:
      return [(t as Float).precision === 2 ? 'DOUBLE' : 'FLOAT', (ap, x) => ap.appendDouble(Number(x))];
    case Type.Utf8:
    case Type.LargeUtf8:
      return ['VARCHAR', (ap, x) => ap.appendVarchar(String(x))];
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return ['BLOB', (ap, x) => ap.appendBlob(x as Uint8Array)];
    case Type.Date:
      return ['DATE', (ap, x) => ap.appendDate(new DuckDBDateValue(Math.floor(Number(x) / DAY_MS)))];
    case Type.Time: {
      const unit = (t as Time).unit;
      return ['TIME', (ap, x) => ap.appendTime(new DuckDBTimeValue(micros(x as bigint | number, unit)))];
    }
    case Type.Timestamp: {
      const ts = t as Timestamp;
      const at = (x: unknown, v: Vector, i: number) => {
        const raw = viaGet ? null : rawInt64(v, i);
        return raw === null ? micros(Number(x), TimeUnit.MILLISECOND) : micros(raw, ts.unit);
      };
      if (ts.timezone)
        return ['TIMESTAMPTZ', (ap, x, v, i) => ap.appendTimestampTZ(new DuckDBTimestampTZValue(at(x, v, i)))];
      return ['TIMESTAMP', (ap, x, v, i) => ap.appendTimestamp(new DuckDBTimestampValue(at(x, v, i)))];
    }
    case Type.Decimal: {
      const d = t as Decimal;
      return [
        d.precision <= 38 ? `DECIMAL(${d.precision}, ${d.scale})` : 'VARCHAR',
        (ap, x) => ap.appendVarchar(decimalText(x, d.scale)),
      ];
    }
    case Type.Dictionary:
      return columnFor((t as Dictionary).dictionary, true);
    default:
      return ['VARCHAR', (ap, x) => ap.appendVarchar(jsonText(x))];
  }
}

export function arrowColumn(field: Field): ArrowColumn {
  const [type, put] = columnFor(field.type);
  return {
    name: field.name,
    type,
    append(ap, v, i) {
      const x = v.isValid(i) ? v.get(i) : null;
      if (x === null || x === undefined) ap.appendNull();
      else put(ap, x, v, i);
    },
  };
}
