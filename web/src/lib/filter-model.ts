// The filter builder's editable tree, and its conversion to and from the protocol's filter expression.
import { outOfOrder } from '@simpul/protocol';
import type { ColumnInfo, ColumnKind, CompareOp, FilterExpr, Scalar } from '@simpul/protocol';

/** One condition as typed: values stay text until they are checked against the column's kind. */
export interface CondNode {
  kind: 'cond';
  id: string;
  column: string;
  op: CompareOp | '';
  value: string;
  value2: string; // upper bound of `between`
  /** The JSON type the value had when the condition was rebuilt from a sent expression: while the column's kind is not
   * known (its runner is offline, or not loaded yet) a number stays a number (60, not "60"). */
  was?: 'number' | 'boolean';
}

export interface GroupNode {
  kind: 'group';
  id: string;
  mode: 'and' | 'or';
  negate: boolean;
  children: FilterNode[];
}

export type FilterNode = CondNode | GroupNode;

/** Where a problem sits: `<node id>` for a group, `<node id>.column|op|value|value2` for a condition's field. */
export type FilterErrors = Record<string, string>;

export const newId = () => Math.random().toString(36).slice(2, 10);

export const newCondition = (column = ''): CondNode => ({
  kind: 'cond',
  id: newId(),
  column,
  op: '',
  value: '',
  value2: '',
});

export const newGroup = (mode: 'and' | 'or' = 'and', children: FilterNode[] = []): GroupNode => ({
  kind: 'group',
  id: newId(),
  mode,
  negate: false,
  children,
});

const COMPARE: CompareOp[] = ['=', '!=', '<', '<=', '>', '>='];
const NULLS: CompareOp[] = ['is_null', 'not_null'];

/** Operators that make sense for each kind of column. */
export const OPS_BY_KIND: Record<ColumnKind, CompareOp[]> = {
  number: [...COMPARE, 'between', 'in', 'not_in', ...NULLS],
  string: ['=', '!=', 'contains', 'starts_with', 'in', 'not_in', ...NULLS],
  date: [...COMPARE, 'between', ...NULLS],
  timestamp: [...COMPARE, 'between', ...NULLS],
  boolean: ['=', '!=', ...NULLS],
  other: ['=', '!=', ...NULLS],
};

export const OP_LABELS: Record<CompareOp, string> = {
  '=': '=',
  '!=': '≠',
  '<': '<',
  '<=': '≤',
  '>': '>',
  '>=': '≥',
  between: 'between',
  in: 'is one of',
  not_in: 'is none of',
  is_null: 'is empty',
  not_null: 'is not empty',
  contains: 'contains',
  starts_with: 'starts with',
};

export type ValueShape = 'none' | 'one' | 'two' | 'list';

export function valueShape(op: CompareOp | ''): ValueShape {
  if (op === '' || op === 'is_null' || op === 'not_null') return 'none';
  if (op === 'between') return 'two';
  if (op === 'in' || op === 'not_in') return 'list';
  return 'one';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Checks one typed value against a column kind: the value to send, or what is wrong with it. */
export function parseScalar(
  text: string,
  kind: ColumnKind,
): { ok: true; value: Scalar } | { ok: false; error: string } {
  const t = text.trim();
  switch (kind) {
    case 'number': {
      if (t === '') return { ok: false, error: 'Enter a number' };
      const n = Number(t);
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, error: `"${t}" is not a number` };
    }
    case 'date':
      if (DATE.test(t) && !Number.isNaN(Date.parse(t))) return { ok: true, value: t };
      return { ok: false, error: t === '' ? 'Pick a date' : `"${t}" is not a date (YYYY-MM-DD)` };
    case 'timestamp':
      if (TIMESTAMP.test(t) && !Number.isNaN(Date.parse(t.replace(' ', 'T')))) return { ok: true, value: t };
      return { ok: false, error: t === '' ? 'Pick a date and time' : `"${t}" is not a date and time` };
    case 'boolean':
      if (t === 'true' || t === 'false') return { ok: true, value: t === 'true' };
      return { ok: false, error: 'Pick true or false' };
    default:
      return { ok: true, value: text };
  }
}

/** A list typed as `a, b, c` (or as a JSON array, for values that contain commas). */
export function splitList(text: string): string[] {
  const t = text.trim();
  if (t.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(t);
      if (Array.isArray(parsed)) return parsed.map((v) => String(v));
    } catch {
      // not JSON after all: fall back to commas
    }
  }
  return t === '' ? [] : t.split(',').map((s) => s.trim());
}

type Columns = Map<string, ColumnInfo>;

function condToExpr(c: CondNode, columns: Columns, errors: FilterErrors): FilterExpr {
  const col = columns.get(c.column);
  if (!c.column) errors[`${c.id}.column`] = 'Pick a column';
  else if (!col) errors[`${c.id}.column`] = `"${c.column}" is not a column of this dataset`;
  const kind: ColumnKind = col?.kind ?? c.was ?? 'other';
  const op = c.op;
  if (op === '') {
    errors[`${c.id}.op`] = 'Pick an operator';
    return { column: c.column, op: '=', value: c.value };
  }
  if (col && !OPS_BY_KIND[kind].includes(op)) errors[`${c.id}.op`] = `"${OP_LABELS[op]}" does not fit a ${kind} column`;
  // contains / starts_with always take text, whatever the column's kind.
  const valueKind: ColumnKind = op === 'contains' || op === 'starts_with' ? 'string' : kind;
  const check = (text: string, key: string): Scalar => {
    const r = parseScalar(text, valueKind);
    if (r.ok) return r.value;
    errors[key] = r.error;
    return text;
  };
  switch (valueShape(op)) {
    case 'none':
      return { column: c.column, op };
    case 'two': {
      const low = check(c.value, `${c.id}.value`);
      const high = check(c.value2, `${c.id}.value2`);
      if (outOfOrder(low, high))
        errors[`${c.id}.value`] = `${c.value.trim()} is above ${c.value2.trim()}: put the lower value first`;
      return { column: c.column, op, value: [low, high] };
    }
    case 'list': {
      const items = splitList(c.value);
      if (items.length === 0) errors[`${c.id}.value`] = 'Enter one or more values, separated by commas';
      return { column: c.column, op, value: items.map((v) => check(v, `${c.id}.value`)) };
    }
    default:
      if ((op === 'contains' || op === 'starts_with') && c.value === '') errors[`${c.id}.value`] = 'Enter some text';
      return { column: c.column, op, value: check(c.value, `${c.id}.value`) };
  }
}

function groupToExpr(g: GroupNode, columns: Columns, errors: FilterErrors, root: boolean): FilterExpr {
  if (g.children.length === 0) {
    errors[g.id] = root ? 'Add at least one condition' : 'Add a condition to this group, or remove it';
  }
  const kids = g.children.map((n) => nodeToExpr(n, columns, errors, false));
  const expr: FilterExpr = g.mode === 'and' ? { and: kids } : { or: kids };
  return g.negate ? { not: expr } : expr;
}

function nodeToExpr(n: FilterNode, columns: Columns, errors: FilterErrors, root: boolean): FilterExpr {
  return n.kind === 'group' ? groupToExpr(n, columns, errors, root) : condToExpr(n, columns, errors);
}

/**
 * The expression to send, plus every problem found on the way. The tree is kept as built (no flattening), so that a
 * schema issue's path leads back to the node it came from (see `errorKeyAtPath`). Bad values are kept as typed, so the
 * preview still shows what the person wrote.
 */
export function toExpr(root: GroupNode, columns: ColumnInfo[]): { expr: FilterExpr; errors: FilterErrors } {
  const errors: FilterErrors = {};
  const expr = groupToExpr(root, new Map(columns.map((c) => [c.name, c])), errors, true);
  return { expr, errors };
}

/** Follows a schema issue's path (below `where`) to the builder node and field it concerns. */
export function errorKeyAtPath(root: GroupNode, path: readonly PropertyKey[]): string {
  let node: FilterNode = root;
  let i = 0;
  while (i < path.length && node.kind === 'group') {
    const seg = path[i];
    if (seg === 'not' && node.negate) {
      i += 1;
    } else if ((seg === 'and' || seg === 'or') && typeof path[i + 1] === 'number') {
      const child: FilterNode | undefined = node.children[path[i + 1] as number];
      if (!child) break;
      node = child;
      i += 2;
    } else break;
  }
  if (node.kind === 'cond') {
    const field = path[i];
    if (field === 'column' || field === 'op') return `${node.id}.${field}`;
    return `${node.id}.value`;
  }
  return node.id;
}

const scalarText = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** Rebuilds an editable tree from an expression (for re-running or editing a task). */
export function fromExpr(expr: FilterExpr): GroupNode {
  const node = nodeFromExpr(expr);
  return node.kind === 'group' ? node : newGroup('and', [node]);
}

function nodeFromExpr(e: FilterExpr): FilterNode {
  if ('and' in e) return newGroup('and', e.and.map(nodeFromExpr));
  if ('or' in e) return newGroup('or', e.or.map(nodeFromExpr));
  if ('not' in e) {
    const inner = nodeFromExpr(e.not);
    const g = inner.kind === 'group' && !inner.negate ? inner : newGroup('and', [inner]);
    return { ...g, negate: true };
  }
  const c = newCondition(e.column);
  c.op = e.op;
  const v = e.value;
  const first = Array.isArray(v) ? v[0] : v;
  if (typeof first === 'number' || typeof first === 'boolean') c.was = typeof first === 'number' ? 'number' : 'boolean';
  if (Array.isArray(v)) {
    if (e.op === 'between') {
      c.value = scalarText(v[0]);
      c.value2 = scalarText(v[1]);
    } else c.value = v.some((x) => String(x).includes(',')) ? JSON.stringify(v) : v.map(scalarText).join(', ');
  } else c.value = scalarText(v);
  return c;
}
