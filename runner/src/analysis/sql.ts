// SQL building blocks for analyses: quoting, bound parameters after the compiled filter, column checks, value coercion.
import type { ColumnInfo } from '@simpul/protocol';
import { AnalysisError } from './errors.ts';
import type { SqlSource } from './types.ts';

/** `"name"` with embedded double quotes doubled. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** `'text'` with embedded single quotes doubled: only for paths the runner chose, which DuckDB takes only as literals. */
export const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * One statement's text and parameters. The dataset's compiled filter owns `$1..$n`; values bound here follow.
 * Every statement built with `from()` must use it (the filter's parameters are always sent).
 */
export class Sql {
  readonly params: unknown[];

  constructor(private readonly src: SqlSource) {
    this.params = [...(src.where?.params ?? [])];
  }

  /** A placeholder for `value`, cast to `type` so DuckDB never has to guess. */
  bind(value: unknown, type?: 'DOUBLE' | 'BIGINT' | 'INTEGER' | 'VARCHAR' | 'BOOLEAN'): string {
    this.params.push(value);
    return type ? `$${this.params.length}::${type}` : `$${this.params.length}`;
  }

  /** `SELECT <select> FROM <dataset> WHERE <filter> AND <conditions>` as a parenthesised subquery. */
  from(select: string, conditions: string[] = []): string {
    const conds = [...(this.src.where ? [`(${this.src.where.sql})`] : []), ...conditions];
    return `(SELECT ${select} FROM ${this.src.relation}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''})`;
  }
}

/** The dataset's column called `name`, or `unknown_column`. */
export function column(src: SqlSource, name: string): ColumnInfo {
  const col = src.columns.find((c) => c.name === name);
  if (col) return col;
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  throw new AnalysisError(
    'unknown_column',
    `column ${shown} is not in this dataset; its columns are: ${src.columns
      .slice(0, 30)
      .map((c) => c.name)
      .join(', ')}`,
    { column: name },
  );
}

/** A column that can be used as a number (numbers, and booleans as 0/1), or `invalid_params` saying which role needed it. */
export function numericColumn(src: SqlSource, name: string, role: string): ColumnInfo {
  const col = column(src, name);
  if (col.kind !== 'number' && col.kind !== 'boolean') {
    throw new AnalysisError(
      'invalid_params',
      `${role} "${col.name}" is ${col.type}; it must be a number or boolean column`,
      { column: name },
    );
  }
  return col;
}

/** Column names must be different from each other where they name a model's variables. */
export function distinct(names: string[], what: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new AnalysisError('invalid_params', `${what} names "${n}" twice`);
    seen.add(n);
  }
}

/**
 * `"col"` as a DOUBLE, numbers and booleans alike; ±Infinity and NaN read as missing (NULL), so that statistics and models
 * are computed over finite values, not made infinite or refused by the database.
 */
export const asDouble = (c: ColumnInfo): string =>
  `(CASE WHEN isfinite(${quoteIdent(c.name)}::DOUBLE) THEN ${quoteIdent(c.name)}::DOUBLE END)`;

/** A number from a query cell (drivers may hand big integers over as strings), or null. */
export function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n =
    typeof v === 'number'
      ? v
      : typeof v === 'bigint'
        ? Number(v)
        : typeof v === 'string' && v.trim() !== ''
          ? Number(v)
          : NaN;
  return Number.isFinite(n) ? n : null;
}

/** Like `num`, with 0 for missing values (counts). */
export const count = (v: unknown): number => num(v) ?? 0;

/** A JSON-safe scalar for results. */
export function value(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return String(v);
}

/** Hides a count computed from fewer than k rows (0 reveals nobody and stays). */
export function suppress(n: number | null, k: number | undefined): number | null {
  if (n === null || !k) return n;
  return n > 0 && n < k ? null : n;
}

/** Progress scaled into [from, to] of the whole task. */
export const stepper = (src: SqlSource, from = 0, to = 100) => {
  const at = (fraction: number) => Math.round(from + (to - from) * Math.min(1, Math.max(0, fraction)));
  /** A step at `fraction` of the analysis; `until`: the fraction where its work ends (its queries move the bar). */
  return (fraction: number, message?: string, until?: number) =>
    src.progress(at(fraction), message, until === undefined ? undefined : at(until));
};

/**
 * `base` plus a column `h`: a seeded hash of each row that does not depend on the order DuckDB scans rows in.
 * Identical rows are told apart by their number within the group of identical rows, which is order-free because
 * they are identical. Used for train/test splits and samples, so that a seed always picks the same rows.
 */
export function withRowHash(base: string, cols: string[], seedPlaceholder: string): string {
  const list = cols.join(', ');
  return `(SELECT *, hash(${list}, row_number() OVER (PARTITION BY ${list}), ${seedPlaceholder}) AS h FROM ${base})`;
}
