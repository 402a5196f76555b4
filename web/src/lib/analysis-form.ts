// The analysis part of the New analysis form (op 300, and the analysis an export may carry): draft, spec, problems.
import { AnalysisDraft as AnalysisDraftSchema, AnalysisSpec, unfoldIssues } from '@simpul/protocol';
import type {
  AggregateDraft,
  AggregateFn,
  AnalysisDraft,
  AnalysisKind,
  ColumnInfo,
  ColumnKind,
  Scalar,
} from '@simpul/protocol';
import { newId, parseScalar } from './filter-model.ts';

/** The draft's schema and types are the protocol's (`AnalysisDraft`): restoring a stored draft is one safeParse. */
export type { AggregateDraft, AnalysisDraft };

export const ANALYSIS_LABELS: Record<AnalysisKind, { name: string; about: string }> = {
  describe: { name: 'Describe', about: 'Counts, ranges, averages and a histogram per column' },
  correlation: { name: 'Correlation', about: 'How numeric columns move together (Pearson, Spearman)' },
  group_by: { name: 'Group and summarise', about: 'Counts and aggregates per group' },
  linear_regression: { name: 'Linear regression', about: 'Predict a number from other columns' },
  logistic_regression: {
    name: 'Logistic regression',
    about: 'Predict a yes/no class: odds ratios, p-values, accuracy',
  },
  kmeans: { name: 'k-means clusters', about: 'Group similar rows into k clusters' },
};

export const AGGREGATE_LABELS: Record<AggregateFn, string> = {
  count: 'count',
  sum: 'sum',
  mean: 'mean',
  min: 'min',
  max: 'max',
  median: 'median',
};

/** Every field at its default (the schema's fallbacks). */
export const emptyAnalysis = (): AnalysisDraft => AnalysisDraftSchema.parse({});

export const newAggregate = (fn: AggregateFn = 'mean', column = ''): AggregateDraft => ({ id: newId(), fn, column });

/** Numbers, and booleans as 0/1: what models, correlations and sums can use. */
export const isNumeric = (c: ColumnInfo) => c.kind === 'number' || c.kind === 'boolean';

/** The fields each kind sends; the rest of the draft stays put but is not sent. */
export const FIELDS: Record<AnalysisKind, readonly (keyof AnalysisDraft)[]> = {
  describe: ['columns', 'bins', 'top'],
  correlation: ['columns', 'method'],
  group_by: ['group_by', 'aggregates', 'sort', 'group_limit'],
  linear_regression: ['target', 'features', 'seed'],
  logistic_regression: [
    'target',
    'positive',
    'features',
    'test_pct',
    'threshold',
    'l2',
    'standardise',
    'seed',
    'max_iterations',
  ],
  kmeans: ['k', 'features', 'standardise', 'seed', 'restarts', 'max_iterations'],
};

/** Form field keys are `a.<field>`, and `a.agg.<id>.column` for one aggregate's column. */
export type AnalysisErrors = Record<string, string>;

function positiveValue(d: AnalysisDraft, kind: ColumnKind | undefined, errors: AnalysisErrors): Scalar | undefined {
  if (d.positive.trim() === '') return undefined;
  const r = parseScalar(d.positive, kind === 'number' || kind === 'boolean' ? kind : 'string');
  if (r.ok) return r.value;
  errors['a.positive'] = r.error;
  return d.positive;
}

/**
 * The analysis as the protocol spells it (`{ analysis, ...options }`, no dataset and no where), with the problems a
 * person can fix in the form. Column roles are checked here because the runner would refuse them anyway.
 */
export function buildAnalysis(
  d: AnalysisDraft,
  columns: ColumnInfo[],
): { spec: Record<string, unknown>; errors: AnalysisErrors } {
  const errors: AnalysisErrors = {};
  const byName = new Map(columns.map((c) => [c.name, c]));
  const known = columns.length > 0;
  const spec: Record<string, unknown> = { analysis: d.kind };
  const fields = FIELDS[d.kind];
  const numericOnly = (names: string[], key: string, what: string) => {
    const bad = names.filter((n) => known && byName.has(n) && !isNumeric(byName.get(n) as ColumnInfo));
    const missing = names.filter((n) => known && !byName.has(n));
    if (missing.length > 0) errors[key] = `Not in this dataset: ${missing.join(', ')}`;
    else if (bad.length > 0)
      errors[key] =
        `${what} must be number or true/false columns: ${bad.join(', ')} ${bad.length === 1 ? 'is' : 'are'} not`;
  };

  for (const f of fields) {
    switch (f) {
      case 'columns':
        if (d.columns.length > 0) spec.columns = d.columns;
        if (d.kind === 'correlation') {
          numericOnly(d.columns, 'a.columns', 'Correlated columns');
          if (d.columns.length === 1)
            errors['a.columns'] = 'Pick at least two columns, or none for every numeric column';
        }
        break;
      case 'aggregates':
        spec.aggregates = d.aggregates.map((a) => (a.column ? { fn: a.fn, column: a.column } : { fn: a.fn }));
        for (const a of d.aggregates) {
          const col = byName.get(a.column);
          if (a.fn !== 'count' && !a.column) errors[`a.agg.${a.id}.column`] = `Pick the column to take the ${a.fn} of`;
          else if (a.column && known && !col)
            errors[`a.agg.${a.id}.column`] = `"${a.column}" is not a column of this dataset`;
          else if (col && ['sum', 'mean', 'median'].includes(a.fn) && !isNumeric(col)) {
            errors[`a.agg.${a.id}.column`] = `The ${a.fn} needs a number column; ${a.column} is ${col.type}`;
          }
        }
        break;
      case 'group_limit':
        if (d.group_limit !== null) spec.limit = d.group_limit;
        break;
      case 'target':
        if (!d.target) errors['a.target'] = 'Pick the column to predict';
        else if (known && !byName.has(d.target)) errors['a.target'] = `"${d.target}" is not a column of this dataset`;
        else if (d.kind === 'linear_regression') numericOnly([d.target], 'a.target', 'The target');
        spec.target = d.target;
        break;
      case 'features':
        if (d.features.length === 0) errors['a.features'] = 'Pick at least one feature column';
        numericOnly(d.features, 'a.features', 'Features');
        if (d.target && d.features.includes(d.target))
          errors['a.features'] = `${d.target} is the target; it cannot be a feature too`;
        spec.features = d.features;
        break;
      case 'positive': {
        const v = positiveValue(d, byName.get(d.target)?.kind, errors);
        if (v !== undefined) spec.positive = v;
        break;
      }
      case 'group_by':
        if (d.group_by.length === 0) errors['a.group_by'] = 'Pick at least one column to group by';
        spec.group_by = d.group_by;
        break;
      default: {
        const v = d[f];
        if (v !== null) spec[f] = v;
      }
    }
  }

  const parsed = AnalysisSpec.safeParse(spec);
  if (!parsed.success) {
    for (const issue of unfoldIssues(parsed.error)) {
      const key = analysisErrorKey(d, issue.path);
      errors[key] ??= issue.message;
    }
  }
  return { spec, errors };
}

/** Where a schema issue inside the analysis (path below the spec) belongs in the form. */
export function analysisErrorKey(d: AnalysisDraft, path: readonly PropertyKey[]): string {
  const [field, index, sub] = path;
  if (field === 'aggregates' && typeof index === 'number') {
    const a = d.aggregates[index];
    return a ? `a.agg.${a.id}.${sub === 'fn' ? 'fn' : 'column'}` : 'a.aggregates';
  }
  if (field === 'limit') return 'a.group_limit';
  if (typeof field === 'string' && field in d) return `a.${field}`;
  return 'form';
}

// --- back from a task's params, and from sessionStorage -----------------------------------------------------

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

type SpecOf<K extends AnalysisKind> = Extract<AnalysisSpec, { analysis: K }>;

/** Per kind, the draft fields a parsed spec fills: one entry per protocol analysis kind (a new kind does not compile without one). */
const FROM_SPEC = {
  describe: (s) => ({ columns: s.columns ?? [], bins: s.bins, top: s.top }),
  correlation: (s) => ({ columns: s.columns ?? [], method: s.method }),
  group_by: (s) => ({
    group_by: s.group_by,
    aggregates: s.aggregates.map((a) => newAggregate(a.fn, a.column ?? '')),
    sort: s.sort,
    group_limit: s.limit,
  }),
  linear_regression: (s) => ({ target: s.target, features: s.features, seed: s.seed }),
  logistic_regression: (s) => ({
    target: s.target,
    positive: text(s.positive),
    features: s.features,
    test_pct: s.test_pct,
    threshold: s.threshold,
    l2: s.l2,
    standardise: s.standardise,
    seed: s.seed,
    max_iterations: s.max_iterations,
  }),
  kmeans: (s) => ({
    k: s.k,
    features: s.features,
    standardise: s.standardise,
    seed: s.seed,
    restarts: s.restarts,
    max_iterations: s.max_iterations,
  }),
} satisfies { [K in AnalysisKind]: (s: SpecOf<K>) => Partial<AnalysisDraft> };

/** A draft that asks the same as `spec` (parsed with the protocol's AnalysisSpec first). */
export function analysisFromSpec(raw: unknown): AnalysisDraft | null {
  const p = AnalysisSpec.safeParse(raw);
  if (!p.success) return null;
  const s = p.data;
  const fill = FROM_SPEC[s.analysis] as (s: AnalysisSpec) => Partial<AnalysisDraft>;
  return { ...emptyAnalysis(), ...fill(s), kind: s.analysis };
}

/** A stored draft: anything that does not fit falls back to its default, field by field, in one safeParse. */
export function restoreAnalysis(raw: unknown): AnalysisDraft {
  const r = AnalysisDraftSchema.safeParse(raw);
  return r.success ? r.data : emptyAnalysis();
}
