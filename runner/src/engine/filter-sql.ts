// The protocol's filter expression compiled to parameterised SQL in one dialect: column names checked against the dataset, values bound.
import type { ColumnInfo, Condition, FilterExpr, Scalar } from '@simpul/protocol';
import { TaskFailure } from '../errors.ts';
import { type BindValue, type Dialect, duckdb } from './sql-dialect.ts';
import { quoteIdent, resolveColumn } from './sql.ts';

export interface CompiledSql {
  sql: string;
  params: BindValue[];
}

/** Collects bound values; numbering continues after `start` values already bound by the caller. */
export class Params {
  readonly values: BindValue[] = [];
  constructor(
    private readonly start = 0,
    private readonly dialect: Dialect = duckdb,
  ) {}
  add(v: BindValue): string {
    this.values.push(v);
    return this.dialect.placeholder(this.start + this.values.length);
  }
}

/** Checks every dialect shares; the dialect then binds the value so it compares as the column's type. */
function typedParam(col: ColumnInfo, value: Scalar, p: Params, d: Dialect): string {
  const bad = (why: string) =>
    new TaskFailure('invalid_params', `column "${col.name}" is ${col.type}: ${why}`, { column: col.name, value });
  if (col.kind === 'number' && typeof value === 'boolean') throw bad(`cannot compare it with ${value}`);
  if (col.kind === 'date' && typeof value !== 'string') throw bad('compare it with a date string like "2015-01-31"');
  if (col.kind === 'timestamp' && typeof value !== 'string')
    throw bad('compare it with a timestamp string like "2015-01-31T12:00:00"');
  return d.value(col, value, (v) => p.add(v));
}

const listOf = (c: Condition): Scalar[] => (Array.isArray(c.value) ? c.value : c.value === undefined ? [] : [c.value]);
const one = (c: Condition): Scalar => {
  if (c.value === undefined || Array.isArray(c.value))
    throw new TaskFailure('invalid_params', `"${c.op}" on column "${c.column}" needs one value`);
  return c.value;
};

const COMPARE = new Set(['=', '!=', '<', '<=', '>', '>=']);

interface Scope {
  columns: readonly ColumnInfo[];
  dataset: string;
  p: Params;
  d: Dialect;
}

function condition(c: Condition, s: Scope): string {
  const col = resolveColumn(s.dataset, s.columns, c.column); // before any SQL is written: unknown names never reach the database
  const ident = quoteIdent(col.name);
  const lhs = s.d.column(col, ident);
  switch (c.op) {
    case 'is_null':
      return `(${ident} IS NULL)`;
    case 'not_null':
      return `(${ident} IS NOT NULL)`;
    case 'in':
    case 'not_in': {
      const items = listOf(c).map((v) => typedParam(col, v, s.p, s.d));
      if (!items.length)
        throw new TaskFailure('invalid_params', `"${c.op}" on column "${c.column}" needs a non-empty list`);
      return `(${lhs} ${c.op === 'in' ? 'IN' : 'NOT IN'} (${items.join(', ')}))`;
    }
    case 'between': {
      const [lo, hi] = listOf(c);
      if (lo === undefined || hi === undefined)
        throw new TaskFailure('invalid_params', `"between" on column "${c.column}" needs [low, high]`);
      return `(${lhs} BETWEEN ${typedParam(col, lo, s.p, s.d)} AND ${typedParam(col, hi, s.p, s.d)})`;
    }
    case 'contains':
      return s.d.contains(col, ident, s.p.add(String(one(c))));
    case 'starts_with':
      return s.d.startsWith(col, ident, s.p.add(String(one(c))));
    default:
      if (!COMPARE.has(c.op)) throw new TaskFailure('invalid_params', `unknown operator "${String(c.op)}"`);
      return `(${lhs} ${c.op} ${typedParam(col, one(c), s.p, s.d)})`;
  }
}

function node(e: FilterExpr, s: Scope): string {
  if ('and' in e) return e.and.length ? `(${e.and.map((k) => node(k, s)).join(' AND ')})` : '(1 = 1)';
  if ('or' in e) return e.or.length ? `(${e.or.map((k) => node(k, s)).join(' OR ')})` : '(1 = 0)';
  if ('not' in e) return `(NOT ${node(e.not, s)})`;
  return condition(e, s);
}

/**
 * SQL for a WHERE clause. SQL's three-valued logic applies: a NULL cell matches neither `x = v` nor `x != v`
 * (use is_null / not_null for those rows). Placeholders start at `firstParam` (`$n`; SQLite's `?` are positional).
 */
export function compileFilter(
  expr: FilterExpr,
  columns: readonly ColumnInfo[],
  dataset: string,
  firstParam = 1,
  dialect: Dialect = duckdb,
): CompiledSql {
  const p = new Params(firstParam - 1, dialect);
  const sql = node(expr, { columns, dataset, p, d: dialect });
  return { sql, params: p.values };
}

/** Several filters ANDed into one (none: undefined). */
export function compileAll(
  wheres: readonly FilterExpr[],
  columns: readonly ColumnInfo[],
  dataset: string,
  dialect: Dialect = duckdb,
): CompiledSql | undefined {
  if (!wheres.length) return undefined;
  return compileFilter(wheres.length === 1 ? wheres[0] : { and: [...wheres] }, columns, dataset, 1, dialect);
}
