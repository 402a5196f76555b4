// The "New analysis" form as data: its draft, the request it builds, and the problems to show beside each field.
import {
  ExportFormat,
  FetchParams,
  FilterExpr,
  FilterParams,
  OP_CODES,
  TaskCreate,
  TaskDraft as TaskDraftSchema,
  unfoldIssues,
} from '@simpul/protocol';
import type { ColumnInfo, OpCode, TaskDraft, TaskView } from '@simpul/protocol';
import { analysisErrorKey, analysisFromSpec, buildAnalysis, emptyAnalysis } from './analysis-form.ts';
import { decodeTarget, encodeTarget } from './datasets.ts';
import { errorKeyAtPath, fromExpr, newGroup, toExpr } from './filter-model.ts';
import type { FilterNode } from './filter-model.ts';

export type SortKey = TaskDraft['order_by'][number];

/** Everything the person has typed; kept in sessionStorage so a lost session does not lose it. Its schema and type are
 * the protocol's (`TaskDraft`): restoring a stored draft is one safeParse. */
export type { TaskDraft };

/** What the form shows and sends for each op: one entry per protocol op code, so a new op does not compile without one. */
interface OpForm {
  ready: boolean; // the form can build it; others are shown as coming soon
  rows: boolean; // returns rows: columns, sort and paging fields
  filter: 'always' | 'optional' | 'never'; // the filter builder's `where`
  analysis: 'always' | 'optional' | 'never'; // an analysis (op 400: when its source is the analysis)
}
export const OP_FORMS = {
  100: { ready: true, rows: true, filter: 'never', analysis: 'never' },
  200: { ready: true, rows: true, filter: 'always', analysis: 'never' },
  300: { ready: true, rows: false, filter: 'optional', analysis: 'always' },
  400: { ready: true, rows: false, filter: 'optional', analysis: 'optional' },
} as const satisfies Record<OpCode, OpForm>;

/** Operations this form can build (the protocol's OP_CODES, in order); any others are shown as coming soon. */
export const READY_OPS: readonly OpCode[] = OP_CODES.filter((op) => OP_FORMS[op].ready);

const formOf = (op: OpCode): OpForm => OP_FORMS[op];
/** Whether the draft's op sends a `where` built with the filter builder. */
export const usesFilter = (d: Pick<TaskDraft, 'op' | 'use_filter'>) =>
  formOf(d.op).filter === 'always' || (formOf(d.op).filter === 'optional' && d.use_filter);
/** Whether the draft's op returns rows (and so has columns, sort and paging fields). */
export const returnsRows = (d: Pick<TaskDraft, 'op'>) => formOf(d.op).rows;
/** Whether the draft's op runs an analysis. */
export const runsAnalysis = (d: Pick<TaskDraft, 'op' | 'export_source'>) =>
  formOf(d.op).analysis === 'always' || (formOf(d.op).analysis === 'optional' && d.export_source === 'analysis');

export const emptyDraft = (): TaskDraft => ({
  name: '',
  target: '',
  op: 200,
  columns: [],
  limit: 100,
  offset: 0,
  order_by: [],
  filter: newGroup('and'),
  use_filter: false,
  analysis: emptyAnalysis(),
  export_format: 'csv',
  export_source: 'rows',
  timeout_s: null,
  max_attempts: null,
});

/** Keys of `errors`: form fields by name, filter nodes by id (see filter-model), and `form` for the rest. */
export type FormErrors = Record<string, string>;

export interface BuiltTask {
  body: Record<string, unknown>; // what will be sent, even while it has problems
  task: TaskCreate | null; // set only when there are no problems
  errors: FormErrors;
}

const FIELD_OF_PARAM: Record<string, string> = {
  dataset: 'target',
  columns: 'columns',
  limit: 'limit',
  offset: 'offset',
  order_by: 'order_by',
};

function keyForIssue(path: readonly PropertyKey[], d: TaskDraft): string {
  if (path[0] === 'params') {
    if (path[1] === 'where') return errorKeyAtPath(d.filter, path.slice(2));
    if (d.op === 400 && path[1] === 'analysis') return analysisErrorKey(d.analysis, path.slice(2));
    if (d.op === 400 && path[1] === 'format') return 'export_format';
    if (d.op === 300 && path[1] !== 'dataset') return analysisErrorKey(d.analysis, path.slice(1));
    return FIELD_OF_PARAM[String(path[1])] ?? 'form';
  }
  if (path[0] === 'runner_id') return 'target';
  if (path[0] === 'timeout_s' || path[0] === 'max_attempts' || path[0] === 'op' || path[0] === 'name') return path[0];
  return 'form';
}

/** Builds the request from a draft and checks it with the protocol's own TaskCreate schema. */
export function buildTask(d: TaskDraft, columns: ColumnInfo[]): BuiltTask {
  const errors: FormErrors = {};
  const target = decodeTarget(d.target);
  if (!target) errors.target = 'Pick a dataset';
  if (!READY_OPS.includes(d.op)) errors.op = 'This operation is not available yet';

  const known = new Set(columns.map((c) => c.name));
  const params: Record<string, unknown> = { dataset: target?.dataset ?? '' };
  if (d.op === 400) params.format = d.export_format;
  if (runsAnalysis(d)) {
    const a = buildAnalysis(d.analysis, columns);
    Object.assign(errors, a.errors);
    if (d.op === 300) Object.assign(params, a.spec);
    else params.analysis = a.spec;
  }
  if (usesFilter(d)) {
    const f = toExpr(d.filter, columns);
    params.where = f.expr;
    Object.assign(errors, f.errors);
  }
  if (d.columns.length > 0 && (returnsRows(d) || (d.op === 400 && d.export_source === 'rows'))) {
    params.columns = d.columns;
    const missing = d.columns.filter((c) => !known.has(c));
    if (columns.length > 0 && missing.length > 0) errors.columns = `Not in this dataset: ${missing.join(', ')}`;
  }
  if (returnsRows(d)) {
    if (d.order_by.length > 0) {
      params.order_by = d.order_by;
      if (d.order_by.some((o) => !o.column)) errors.order_by = 'Pick a column to sort by, or remove the sort';
    }
    if (d.limit !== null) params.limit = d.limit;
    if (d.offset !== null) params.offset = d.offset;
  }

  const body: Record<string, unknown> = { op: d.op, params };
  if (target?.runner_id) body.runner_id = target.runner_id;
  if (d.timeout_s !== null) body.timeout_s = d.timeout_s;
  if (d.max_attempts !== null) body.max_attempts = d.max_attempts;
  if (d.name.trim() !== '') body.name = d.name;

  const parsed = TaskCreate.safeParse(body);
  if (!parsed.success) {
    for (const issue of unfoldIssues(parsed.error)) {
      const key = keyForIssue(issue.path, d);
      errors[key] ??= issue.message;
    }
  }
  const ok = parsed.success && Object.keys(errors).length === 0;
  return { body, task: ok ? parsed.data : null, errors };
}

/** Number fields and typed values are judged as soon as they are typed; empty choices only after the first Submit. */
const AT_ONCE = [
  'name',
  'limit',
  'offset',
  'timeout_s',
  'max_attempts',
  'a.bins',
  'a.top',
  'a.group_limit',
  'a.k',
  'a.test_pct',
  'a.threshold',
  'a.l2',
  'a.seed',
  'a.restarts',
  'a.max_iterations',
];

function typedValueErrors(node: FilterNode, errors: FormErrors, out: FormErrors): void {
  if (node.kind === 'group') node.children.forEach((c) => typedValueErrors(c, errors, out));
  else
    for (const f of ['value', 'value2'] as const) {
      const k = `${node.id}.${f}`;
      if (errors[k] && node[f].trim() !== '') out[k] = errors[k];
    }
}

/** The problems to show now: all of them once Submit was pressed, before that only those in what was typed. */
export function visibleErrors(d: TaskDraft, errors: FormErrors, attempted: boolean): FormErrors {
  if (attempted) return errors;
  const out: FormErrors = {};
  if (usesFilter(d)) typedValueErrors(d.filter, errors, out);
  for (const k of AT_ONCE) if (errors[k]) out[k] = errors[k];
  if (errors['a.positive'] && d.analysis.positive.trim() !== '') out['a.positive'] = errors['a.positive'];
  return out;
}

/** A draft that asks the same question as an existing task (for "edit and run again"). */
export function draftFromTask(t: TaskView): TaskDraft {
  const d = emptyDraft();
  d.target = encodeTarget({ runner_id: t.target_runner_id, dataset: t.dataset });
  d.op = t.op;
  d.timeout_s = t.timeout_s;
  d.max_attempts = t.max_attempts;
  d.name = t.name ?? '';
  const where = (w: FilterExpr | undefined) => {
    if (!w) return;
    d.filter = fromExpr(w);
    d.use_filter = true;
  };
  const { dataset: _dataset, where: rawWhere, ...spec } = t.params;
  switch (t.op) {
    case 100:
    case 200: {
      const p = t.op === 200 ? FilterParams.safeParse(t.params) : FetchParams.safeParse(t.params);
      if (!p.success) return d;
      d.columns = p.data.columns ?? [];
      d.limit = p.data.limit;
      d.offset = p.data.offset;
      d.order_by = p.data.order_by ?? [];
      if (t.op === 200) where(FilterExpr.safeParse(rawWhere).data);
      d.use_filter = false;
      return d;
    }
    case 300: {
      d.analysis = analysisFromSpec(spec) ?? d.analysis;
      where(FilterExpr.safeParse(rawWhere).data);
      return d;
    }
    case 400: {
      d.export_format = ExportFormat.safeParse(spec.format).data ?? d.export_format;
      const a = spec.analysis === undefined ? null : analysisFromSpec(spec.analysis);
      d.export_source = a ? 'analysis' : 'rows';
      if (a) d.analysis = a;
      if (Array.isArray(spec.columns)) d.columns = spec.columns.filter((c): c is string => typeof c === 'string');
      where(FilterExpr.safeParse(rawWhere).data);
      return d;
    }
  }
}

/** The body to create the same task again, unchanged. */
export function rerunBody(t: TaskView): Record<string, unknown> {
  const body: Record<string, unknown> = {
    op: t.op,
    params: t.params,
    timeout_s: t.timeout_s,
    max_attempts: t.max_attempts,
  };
  if (t.target_runner_id) body.runner_id = t.target_runner_id;
  if (t.name) body.name = t.name;
  return body;
}

/** A stored draft (sessionStorage is outside our control): every field that does not fit falls back to its default; not
 * a draft at all (not an object) is null. */
export function restoreDraft(raw: unknown): TaskDraft | null {
  const r = TaskDraftSchema.safeParse(raw);
  return r.success ? r.data : null;
}
