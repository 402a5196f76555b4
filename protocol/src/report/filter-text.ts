// A filter expression as a sentence people can read in a report, e.g. `weather = "rain" and (wind > 4 or not (temp is null))`.
import type { FilterExpr, Scalar } from '../filter.ts';

const show = (v: Scalar): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

const OPS: Record<string, string> = {
  '=': '=',
  '!=': '≠',
  '<': '<',
  '<=': '≤',
  '>': '>',
  '>=': '≥',
  contains: 'contains',
  starts_with: 'starts with',
};

export function filterText(e: FilterExpr | undefined, nested = false): string {
  if (!e) return 'none (all rows)';
  const wrap = (s: string) => (nested ? `(${s})` : s);
  if ('and' in e) return e.and.length ? wrap(e.and.map((x) => filterText(x, true)).join(' and ')) : 'true';
  if ('or' in e) return e.or.length ? wrap(e.or.map((x) => filterText(x, true)).join(' or ')) : 'false';
  if ('not' in e) return `not ${filterText(e.not, true)}`;
  const list = Array.isArray(e.value) ? e.value : e.value === undefined ? [] : [e.value];
  switch (e.op) {
    case 'is_null':
      return `${e.column} is empty`;
    case 'not_null':
      return `${e.column} is not empty`;
    case 'in':
      return `${e.column} in [${list.map(show).join(', ')}]`;
    case 'not_in':
      return `${e.column} not in [${list.map(show).join(', ')}]`;
    case 'between':
      return `${e.column} between ${show(list[0])} and ${show(list[1])}`;
    default:
      return `${e.column} ${OPS[e.op] ?? e.op} ${show(list[0])}`;
  }
}
