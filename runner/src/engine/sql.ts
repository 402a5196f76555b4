// SQL text helpers: identifier and literal quoting, and column lookup with "did you mean" suggestions (protocol's closeNames).
import { type ColumnInfo, closeNames } from '@simpul/protocol';
import { TaskFailure } from '../errors.ts';

/** `"name"` with embedded double quotes doubled. Call only with names already checked against the dataset's columns. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** `'text'` with embedded single quotes doubled; for config values (file paths) that DuckDB takes only as literals. */
export const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** The dataset's column called `name`, or a task failure `unknown_column` that names it and lists close names. */
export function resolveColumn(dataset: string, columns: readonly ColumnInfo[], name: string): ColumnInfo {
  const col = columns.find((c) => c.name === name);
  if (col) return col;
  const names = columns.map((c) => c.name);
  const close = closeNames(name, names);
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  const hint = close.length
    ? `; close names: ${close.join(', ')}`
    : `; its columns are: ${names.slice(0, 30).join(', ')}${names.length > 30 ? `, … (${names.length} in all)` : ''}`;
  throw new TaskFailure('unknown_column', `column ${shown} is not in dataset "${dataset}"${hint}`, {
    column: name,
    close,
  });
}
