// The web's "New analysis" form as it is kept in sessionStorage between visits: one schema per draft, so that a stored
// draft is restored by one safeParse. sessionStorage is outside our control: every field falls back to its default when
// it does not fit (`.catch`), so one bad field never loses the rest. Not sent to the hub: the form builds a TaskCreate
// from the draft and checks that with TaskCreate itself.
import { z } from 'zod';
import { AggregateFn, AnalysisKind, CorrelationMethod } from './analysis.ts';
import { CompareOp } from './filter.ts';
import { ExportFormat, OpCode } from './ops.ts';

const randomId = () => Math.random().toString(36).slice(2, 10);
const id = z.string().min(1).catch(randomId);
const text = z.string().catch('');
const orNull = z.number().nullable().catch(null);
const numberOr = (fallback: number | null) => z.number().nullable().catch(fallback);
/** The strings of an array (other items dropped); anything else is []. */
const strings = z
  .array(z.unknown())
  .transform((xs) => xs.filter((x): x is string => typeof x === 'string'))
  .catch([]);
/** The items of an array that `item` accepts (others dropped); anything else is []. */
const itemsOf = <T extends z.ZodType>(item: T) =>
  z
    .array(z.unknown())
    .transform((xs) =>
      xs.flatMap((x) => {
        const r = item.safeParse(x);
        return r.success ? [r.data as z.output<T>] : [];
      }),
    )
    .catch([]);

export const AggregateDraft = z.object({ id, fn: AggregateFn.catch('count'), column: text /* '' = none */ });
export type AggregateDraft = z.output<typeof AggregateDraft>;

/** One flat draft for every analysis kind, so that switching the kind keeps what was typed for the others. */
export const AnalysisDraft = z.object({
  kind: AnalysisKind.catch('describe'),
  columns: strings, // describe and correlation; empty = the runner's default
  bins: numberOr(20),
  top: numberOr(10),
  method: CorrelationMethod.catch('both'),
  group_by: strings,
  aggregates: itemsOf(AggregateDraft),
  sort: z.enum(['groups', 'count']).catch('groups'),
  group_limit: numberOr(1000),
  target: text,
  features: strings,
  positive: text, // typed; checked against the target's kind
  test_pct: numberOr(0),
  threshold: numberOr(0.5),
  l2: numberOr(0),
  standardise: z.boolean().catch(true),
  seed: numberOr(42),
  k: numberOr(3),
  restarts: numberOr(null),
  max_iterations: numberOr(null),
});
export type AnalysisDraft = z.output<typeof AnalysisDraft>;

/** The filter builder's tree: conditions keep their values as typed text. */
export type CondDraft = {
  kind: 'cond';
  id: string;
  column: string;
  op: CompareOp | '';
  value: string;
  value2: string;
  was?: 'number' | 'boolean';
};
export type GroupDraft = {
  kind: 'group';
  id: string;
  mode: 'and' | 'or';
  negate: boolean;
  children: FilterNodeDraft[];
};
export type FilterNodeDraft = CondDraft | GroupDraft;

const MAX_FILTER_DEPTH = 16; // nodes below this are dropped
const CondDraft: z.ZodType<CondDraft> = z.object({
  kind: z.literal('cond'),
  id,
  column: text,
  op: z.union([CompareOp, z.literal('')]).catch(''),
  value: text,
  value2: text, // upper bound of `between`
  was: z.enum(['number', 'boolean']).optional().catch(undefined), // the sent value's JSON type, while the kind is unknown
});
const groupAt = (depth: number): z.ZodType<GroupDraft> =>
  z.object({
    kind: z.literal('group'),
    id,
    mode: z.enum(['and', 'or']).catch('and'),
    negate: z.boolean().catch(false),
    children: z.array(z.unknown()).transform((xs) =>
      xs.flatMap((x) => {
        if (depth + 1 > MAX_FILTER_DEPTH) return [];
        const r = z.union([CondDraft, groupAt(depth + 1)]).safeParse(x);
        return r.success ? [r.data] : [];
      }),
    ),
  });
export const FilterGroupDraft = groupAt(0);

export const SortKeyDraft = z.object({ column: text, direction: z.enum(['asc', 'desc']).catch('asc') });

/** Everything the person has typed in the New analysis form. */
export const TaskDraft = z.object({
  name: text, // optional; '' = none
  target: text, // the web's encoded dataset target
  op: z.coerce.number().pipe(OpCode).catch(200),
  columns: strings, // empty = all columns
  limit: orNull,
  offset: orNull,
  order_by: itemsOf(SortKeyDraft),
  filter: FilterGroupDraft.catch(() => ({
    kind: 'group' as const,
    id: randomId(),
    mode: 'and' as const,
    negate: false,
    children: [],
  })),
  /** Ops 300 and 400: apply the filter first (op 200 always does). */
  use_filter: z.boolean().catch(false),
  analysis: AnalysisDraft.catch(() => AnalysisDraft.parse({})),
  export_format: ExportFormat.catch('csv'),
  /** Op 400: a file of the rows, or of the analysis's result. */
  export_source: z.enum(['rows', 'analysis']).catch('rows'),
  timeout_s: orNull,
  max_attempts: orNull,
});
export type TaskDraft = z.output<typeof TaskDraft>;
