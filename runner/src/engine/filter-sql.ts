// The protocol's filter expression compiled to DuckDB SQL: column names checked against the dataset, values bound as $n.
import type { ColumnInfo, Condition, FilterExpr, Scalar } from '@simpul/protocol';
import { TaskFailure } from '../errors.ts';
import { isIntegerType } from './cells.ts';
import { quoteIdent, resolveColumn } from './sql.ts';

export interface CompiledSql {
  sql: string;
  params: Scalar[];
}

/** Collects bound values; `$n` numbering continues after `start` values already bound by the caller. */
export class Params {
  readonly values: Scalar[] = [];
  constructor(private readonly start = 0) {}
  add(v: Scalar): string {
    this.values.push(v);
    return `$${this.start + this.values.length}`;
  }
}

// Types a parameter may be cast to by name; anything else (nested types, enums) cannot be compared with a scalar.
const PLAIN_TYPE = /^(TIME|TIME WITH TIME ZONE|TIME_NS|INTERVAL|UUID|BLOB|BIT)$/;

/** The bound value cast to the column's type, so that dates, timestamps and numbers compare as such, not as text. */
function typedParam(col: ColumnInfo, value: Scalar, p: Params): string {
  const ph = p.add(value);
  const bad = (why: string) => new TaskFailure('invalid_params', `column "${col.name}" is ${col.type}: ${why}`, { column: col.name, value });
  switch (col.kind) {
    case 'number':
      if (typeof value === 'number') return ph; // bound as DOUBLE; DuckDB compares numerically
      if (typeof value === 'boolean') throw bad(`cannot compare it with ${value}`);
      return /^[+-]?\d+$/.test(value.trim()) && isIntegerType(col.type) ? `CAST(${ph} AS HUGEINT)` : `CAST(${ph} AS DOUBLE)`;
    case 'string':
      return `CAST(${ph} AS VARCHAR)`;
    case 'boolean':
      return `CAST(${ph} AS BOOLEAN)`;
    case 'date':
      if (typeof value !== 'string') throw bad('compare it with a date string like "2015-01-31"');
      return `CAST(${ph} AS DATE)`;
    case 'timestamp':
      if (typeof value !== 'string') throw bad('compare it with a timestamp string like "2015-01-31T12:00:00"');
      return col.type.includes('TIME ZONE') ? `CAST(${ph} AS TIMESTAMPTZ)` : `CAST(${ph} AS TIMESTAMP)`;
    default:
      if (PLAIN_TYPE.test(col.type)) return `CAST(${ph} AS ${col.type})`;
      throw bad('this type cannot be compared with a value; filter on another column');
  }
}

const listOf = (c: Condition): Scalar[] => (Array.isArray(c.value) ? c.value : c.value === undefined ? [] : [c.value]);
const one = (c: Condition): Scalar => {
  if (c.value === undefined || Array.isArray(c.value)) throw new TaskFailure('invalid_params', `"${c.op}" on column "${c.column}" needs one value`);
  return c.value;
};

const COMPARE = new Set(['=', '!=', '<', '<=', '>', '>=']);

function condition(c: Condition, columns: readonly ColumnInfo[], dataset: string, p: Params): string {
  const col = resolveColumn(dataset, columns, c.column); // before any SQL is written: unknown names never reach DuckDB
  const ident = quoteIdent(col.name);
  const asText = col.kind === 'string' ? ident : `CAST(${ident} AS VARCHAR)`;
  switch (c.op) {
    case 'is_null':
      return `(${ident} IS NULL)`;
    case 'not_null':
      return `(${ident} IS NOT NULL)`;
    case 'in':
    case 'not_in': {
      const items = listOf(c).map((v) => typedParam(col, v, p));
      if (!items.length) throw new TaskFailure('invalid_params', `"${c.op}" on column "${c.column}" needs a non-empty list`);
      return `(${ident} ${c.op === 'in' ? 'IN' : 'NOT IN'} (${items.join(', ')}))`;
    }
    case 'between': {
      const [lo, hi] = listOf(c);
      if (lo === undefined || hi === undefined) throw new TaskFailure('invalid_params', `"between" on column "${c.column}" needs [low, high]`);
      return `(${ident} BETWEEN ${typedParam(col, lo, p)} AND ${typedParam(col, hi, p)})`;
    }
    case 'contains':
      // Case-insensitive substring; contains() takes the value literally, so % and _ need no escaping.
      return `contains(lower(${asText}), lower(CAST(${p.add(one(c))} AS VARCHAR)))`;
    case 'starts_with':
      return `starts_with(${asText}, CAST(${p.add(one(c))} AS VARCHAR))`;
    default:
      if (!COMPARE.has(c.op)) throw new TaskFailure('invalid_params', `unknown operator "${String(c.op)}"`);
      return `(${ident} ${c.op} ${typedParam(col, one(c), p)})`;
  }
}

function node(e: FilterExpr, columns: readonly ColumnInfo[], dataset: string, p: Params): string {
  if ('and' in e) return e.and.length ? `(${e.and.map((k) => node(k, columns, dataset, p)).join(' AND ')})` : 'TRUE';
  if ('or' in e) return e.or.length ? `(${e.or.map((k) => node(k, columns, dataset, p)).join(' OR ')})` : 'FALSE';
  if ('not' in e) return `(NOT ${node(e.not, columns, dataset, p)})`;
  return condition(e, columns, dataset, p);
}

/**
 * SQL for a WHERE clause. SQL's three-valued logic applies: a NULL cell matches neither `x = v` nor `x != v`
 * (use is_null / not_null for those rows).
 */
export function compileFilter(expr: FilterExpr, columns: readonly ColumnInfo[], dataset: string, firstParam = 1): CompiledSql {
  const p = new Params(firstParam - 1);
  const sql = node(expr, columns, dataset, p);
  return { sql, params: p.values };
}
