// One-line descriptions of tasks and studies from their requests ("Logistic: diabetes ~ age + bmi on patients"),
// shared by the hub (stored with each task, so lists can be searched) and the web (titles, lists).
import type { AnalysisParams, ExportParams, FetchParams, FilterParams } from './ops.ts';
import { OP_NAMES, OpParams, type OpCode } from './ops.ts';
import type { AnalysisSpec } from './analysis.ts';
import type { FederatedRoundParams, StudyCreate, StudySpec } from './federated.ts';
import type { FilterExpr, Scalar } from './filter.ts';

/** Descriptions longer than this are cut with an ellipsis. */
export const DESCRIPTION_MAX = 200;

const cut = (s: string) => (s.length > DESCRIPTION_MAX ? `${s.slice(0, DESCRIPTION_MAX - 1)}…` : s);
const list = (columns: readonly string[], max = 6) =>
  columns.length > max ? `${columns.slice(0, max).join(', ')} and ${columns.length - max} more` : columns.join(', ');
const scalar = (v: Scalar) => (typeof v === 'string' ? `'${v}'` : String(v));
const model = (target: string, features: readonly string[]) => `${target} ~ ${features.join(' + ')}`;

/** A filter expression as one readable line: `dep_delay > 60 and origin in ('JFK', 'LGA')`. */
export function describeFilter(e: FilterExpr, nested = false): string {
  const wrap = (s: string) => (nested ? `(${s})` : s);
  if ('and' in e) return e.and.length === 0 ? 'true' : wrap(e.and.map((k) => describeFilter(k, true)).join(' and '));
  if ('or' in e) return e.or.length === 0 ? 'false' : wrap(e.or.map((k) => describeFilter(k, true)).join(' or '));
  if ('not' in e) return `not (${describeFilter(e.not)})`;
  const v = e.value;
  const one = v === undefined ? '' : Array.isArray(v) ? v.map(scalar).join(', ') : scalar(v);
  switch (e.op) {
    case 'is_null':
      return `${e.column} is empty`;
    case 'not_null':
      return `${e.column} is not empty`;
    case 'in':
      return `${e.column} in (${one})`;
    case 'not_in':
      return `${e.column} not in (${one})`;
    case 'between':
      return Array.isArray(v)
        ? `${e.column} between ${scalar(v[0])} and ${scalar(v[1])}`
        : `${e.column} between ${one}`;
    case 'contains':
      return `${e.column} contains ${one}`;
    case 'starts_with':
      return `${e.column} starts with ${one}`;
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return `${e.column} ${e.op} ${one}`;
  }
}

const where = (e: FilterExpr | undefined) => (e ? ` where ${describeFilter(e)}` : '');

/** What an analysis computes, without its dataset: "Logistic: diabetes ~ age + bmi". */
export function describeAnalysisSpec(a: AnalysisSpec): string {
  switch (a.analysis) {
    case 'describe':
      return a.columns ? `Describe ${list(a.columns)}` : 'Describe all columns';
    case 'correlation':
      return a.columns ? `Correlation of ${list(a.columns)}` : 'Correlation of numeric columns';
    case 'group_by':
      return `Group by ${list(a.group_by)}${a.aggregates.length ? `: ${a.aggregates.map(aggregate).join(', ')}` : ''}`;
    case 'linear_regression':
      return `Linear: ${model(a.target, a.features)}`;
    case 'logistic_regression':
      return `Logistic: ${model(a.target, a.features)}`;
    case 'kmeans':
      return `K-means (k = ${a.k}) of ${list(a.features)}`;
  }
}

const aggregate = (a: { fn: string; column?: string }) => (a.column ? `${a.fn}(${a.column})` : a.fn);

function describeRound(r: FederatedRoundParams): string {
  switch (r.step) {
    case 'moments':
    case 'range':
    case 'crossprod':
      return `Study round ${r.round} (${r.step} of ${list(r.columns)})`;
    case 'histogram':
      return `Study round ${r.round} (histogram of ${list(r.columns.map((c) => c.column))})`;
    case 'groups':
      return `Study round ${r.round} (groups by ${list(r.group_by)})`;
    case 'newton':
      return `Study round ${r.round} (Newton step for ${model(r.target, r.features)})`;
  }
}

function describeAnalysis(p: AnalysisParams): string {
  if (p.analysis === 'federated_round') return `${describeRound(p)} on ${p.dataset}`;
  return `${describeAnalysisSpec(p)} on ${p.dataset}${where(p.where)}`;
}

const describeFetch = (p: FetchParams) =>
  `Fetch ${p.columns ? list(p.columns) : 'rows'} of ${p.dataset}${p.offset ? ` from row ${p.offset + 1}` : ''}`;
const describeFilterTask = (p: FilterParams) => `Filter ${p.dataset}: ${describeFilter(p.where)}`;
const describeExport = (p: ExportParams) =>
  p.analysis
    ? `Export ${describeAnalysisSpec(p.analysis)} on ${p.dataset}${where(p.where ?? p.analysis.where)} as ${p.format.toUpperCase()}`
    : `Export ${p.columns ? `${list(p.columns)} of ` : ''}${p.dataset}${where(p.where)} as ${p.format.toUpperCase()}`;

/** One line that says what a task does, from its op and params; params that do not parse get "<op name> on <dataset>". */
export function describeTask(op: OpCode, params: unknown): string {
  const fallback = () => {
    const ds = (params as { dataset?: unknown } | null)?.dataset;
    return typeof ds === 'string' && ds !== '' ? `${OP_NAMES[op]} on ${ds}` : OP_NAMES[op];
  };
  switch (op) {
    case 100: {
      const p = OpParams[100].safeParse(params);
      return p.success ? cut(describeFetch(p.data)) : fallback();
    }
    case 200: {
      const p = OpParams[200].safeParse(params);
      return p.success ? cut(describeFilterTask(p.data)) : fallback();
    }
    case 300: {
      const p = OpParams[300].safeParse(params);
      return p.success ? cut(describeAnalysis(p.data)) : fallback();
    }
    case 400: {
      const p = OpParams[400].safeParse(params);
      return p.success ? cut(describeExport(p.data)) : fallback();
    }
  }
}

/** What a study computes, without its dataset. */
export function describeStudySpec(s: StudySpec): string {
  switch (s.analysis) {
    case 'summary':
      return `Summary of ${list(s.columns)}`;
    case 'histogram':
      return `Histogram of ${list(s.columns)}`;
    case 'group_by':
      return `Group by ${list(s.group_by)}${s.aggregates.length ? `: ${s.aggregates.map(aggregate).join(', ')}` : ''}`;
    case 'correlation':
      return `Correlation of ${list(s.columns)}`;
    case 'linear_regression':
      return `Linear: ${model(s.target, s.features)}`;
    case 'logistic_regression':
      return `Logistic: ${model(s.target, s.features)}`;
  }
}

/** One line that says what a study computes: "Logistic: diabetes ~ age + bmi on patients". */
export const describeStudy = (s: StudyCreate) => cut(`${describeStudySpec(s)} on ${s.dataset}${where(s.where)}`);

/** What a task is called in titles and lists: its name when it has one, else its description. */
export const taskTitle = (t: { name?: string | null; description: string }) => t.name || t.description;
