// The filter expression: JSON that the runner compiles to parameterised SQL (never string-concatenated).
import { z } from 'zod';
import { ColumnName } from './common.ts';

export const CompareOp = z.enum([
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'in',
  'not_in',
  'between',
  'is_null',
  'not_null',
  'contains',
  'starts_with',
]);
export type CompareOp = z.infer<typeof CompareOp>;

export const Scalar = z.union([z.string().max(10_000), z.number(), z.boolean()]);
export type Scalar = z.infer<typeof Scalar>;

export const FILTER_MAX_DEPTH = 16;
export const FILTER_MAX_NODES = 500;
export const FILTER_MAX_LIST = 1000;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

/** Whether `between`'s bounds are the wrong way round: two numbers, or two ISO dates or timestamps, low above high.
 * (Other values are compared by the data engine's own rules, which the contract does not second-guess.) */
export function outOfOrder(low: unknown, high: unknown): boolean {
  if (typeof low === 'number' && typeof high === 'number') return low > high;
  if (typeof low === 'string' && typeof high === 'string' && ISO_DATE.test(low) && ISO_DATE.test(high)) {
    const a = Date.parse(low.replace(' ', 'T'));
    const b = Date.parse(high.replace(' ', 'T'));
    return Number.isFinite(a) && Number.isFinite(b) && a > b;
  }
  return false;
}

/** `{ column, op, value? }`: the shape of value depends on op (see Condition's checks). */
export const Condition = z
  .object({
    column: ColumnName,
    op: CompareOp,
    value: z.union([Scalar, z.array(Scalar).max(FILTER_MAX_LIST)]).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const v = c.value;
    const bad = (message: string) => ctx.addIssue({ code: 'custom', path: ['value'], message });
    switch (c.op) {
      case 'is_null':
      case 'not_null':
        if (v !== undefined) bad(`${c.op} takes no value`);
        break;
      case 'in':
      case 'not_in':
        if (!Array.isArray(v) || v.length === 0) bad(`${c.op} needs a non-empty array of values`);
        break;
      case 'between': {
        if (!Array.isArray(v) || v.length !== 2) bad('between needs [low, high]');
        else if (outOfOrder(v[0], v[1])) bad(`between needs low ≤ high: ${v[0]} is above ${v[1]}; swap them`);
        break;
      }
      case 'contains':
      case 'starts_with':
        if (typeof v !== 'string') bad(`${c.op} needs a string value`);
        break;
      default:
        if (v === undefined || Array.isArray(v)) bad(`${c.op} needs one value`);
    }
  });
export type Condition = z.infer<typeof Condition>;

export type FilterExpr = { and: FilterExpr[] } | { or: FilterExpr[] } | { not: FilterExpr } | Condition;

const Node: z.ZodType<FilterExpr> = z.lazy(() =>
  z.union([
    z.object({ and: z.array(Node).max(FILTER_MAX_NODES) }).strict(),
    z.object({ or: z.array(Node).max(FILTER_MAX_NODES) }).strict(),
    z.object({ not: Node }).strict(),
    Condition,
  ]),
);

/** Depth and node count of an expression (limits keep compiled SQL small). */
export function filterSize(e: FilterExpr, depth = 1): { depth: number; nodes: number } {
  const kids = 'and' in e ? e.and : 'or' in e ? e.or : 'not' in e ? [e.not] : [];
  let d = depth;
  let n = 1;
  for (const k of kids) {
    const s = filterSize(k, depth + 1);
    d = Math.max(d, s.depth);
    n += s.nodes;
  }
  return { depth: d, nodes: n };
}

export const FilterExpr: z.ZodType<FilterExpr> = Node.superRefine((e, ctx) => {
  const s = filterSize(e);
  if (s.depth > FILTER_MAX_DEPTH)
    ctx.addIssue({ code: 'custom', message: `filter is nested ${s.depth} deep; the limit is ${FILTER_MAX_DEPTH}` });
  if (s.nodes > FILTER_MAX_NODES)
    ctx.addIssue({ code: 'custom', message: `filter has ${s.nodes} nodes; the limit is ${FILTER_MAX_NODES}` });
});

/** Columns named anywhere in an expression. */
export function filterColumns(e: FilterExpr, out = new Set<string>()): Set<string> {
  if ('and' in e) e.and.forEach((k) => filterColumns(k, out));
  else if ('or' in e) e.or.forEach((k) => filterColumns(k, out));
  else if ('not' in e) filterColumns(e.not, out);
  else out.add(e.column);
  return out;
}
