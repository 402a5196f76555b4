// SQL text helpers: identifier and literal quoting, and column lookup with "did you mean" suggestions.
import type { ColumnInfo } from '@simpul/protocol';
import { TaskFailure } from '../errors.ts';

/** `"name"` with embedded double quotes doubled. Call only with names already checked against the dataset's columns. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** `'text'` with embedded single quotes doubled; for config values (file paths) that DuckDB takes only as literals. */
export const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

function distance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** Up to `max` column names that look like `name` (case, typos, prefixes), best first. */
export function closeNames(name: string, names: readonly string[], max = 5): string[] {
  const n = name.toLowerCase().slice(0, 256);
  return names
    .map((c) => {
      const l = c.toLowerCase();
      const d = l === n ? 0 : l.includes(n) || n.includes(l) ? 1 : distance(n, l);
      return { c, d };
    })
    .filter(({ c, d }) => d <= Math.max(2, Math.floor(Math.min(c.length, n.length) / 3)))
    .sort((x, y) => x.d - y.d)
    .slice(0, max)
    .map(({ c }) => c);
}

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
  throw new TaskFailure('unknown_column', `column ${shown} is not in dataset "${dataset}"${hint}`, { column: name, close });
}
