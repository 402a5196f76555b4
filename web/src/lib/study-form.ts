// The "New study" form as data: which datasets several runners serve, the draft, and the StudyCreate it builds.
import { StudyCreate } from '@simpul/protocol';
import type { ColumnInfo, DatasetInfo, RunnerView, StudyKind, StudyRequire } from '@simpul/protocol';
import { isUsable } from './datasets.ts';
import { errorKeyAtPath, newGroup, parseScalar, toExpr } from './filter-model.ts';
import type { GroupNode } from './filter-model.ts';

/** A dataset name and the runners that serve it (a study asks each of them). */
export interface SharedDataset {
  name: string;
  info: DatasetInfo; // the schema, from the first runner that serves it
  runners: { runner_id: string; name: string; online: boolean }[];
}

/** Every dataset name advertised by a runner that is not revoked, most-served first. Offline runners count: they may come back. */
export function sharedDatasets(runners: Iterable<RunnerView>): SharedDataset[] {
  const byName = new Map<string, SharedDataset>();
  for (const r of [...runners].filter((x) => !x.revoked).sort((a, b) => a.name.localeCompare(b.name))) {
    for (const d of r.datasets.filter((x) => !x.error)) {
      const entry = byName.get(d.name) ?? { name: d.name, info: d, runners: [] };
      entry.runners.push({ runner_id: r.runner_id, name: r.name, online: isUsable(r) });
      byName.set(d.name, entry);
    }
  }
  return [...byName.values()].sort((a, b) => b.runners.length - a.runners.length || a.name.localeCompare(b.name));
}

export type StudyAggregateDraft = { fn: 'count' | 'sum' | 'mean'; column: string };

export interface StudyDraft {
  dataset: string;
  analysis: StudyKind;
  require: StudyRequire;
  runner_ids: string[]; // empty: every runner that serves the dataset
  columns: string[];
  bins: number;
  group_by: string[];
  aggregates: StudyAggregateDraft[];
  target: string;
  features: string[];
  positive: string; // typed; parsed by the target's kind
  use_filter: boolean;
  filter: GroupNode;
}

export const emptyStudyDraft = (): StudyDraft => ({
  dataset: '',
  analysis: 'summary',
  require: 'all',
  runner_ids: [],
  columns: [],
  bins: 20,
  group_by: [],
  aggregates: [],
  target: '',
  features: [],
  positive: '',
  use_filter: false,
  filter: newGroup('and'),
});

export const STUDY_KINDS: { kind: StudyKind; label: string; hint: string }[] = [
  {
    kind: 'summary',
    label: 'Summary',
    hint: 'Count, mean, variance, sd, min and max per column, exactly as if pooled.',
  },
  {
    kind: 'histogram',
    label: 'Histogram',
    hint: 'Shared bins over the global range (two rounds); approximate quartiles.',
  },
  { kind: 'group_by', label: 'Group by', hint: 'Counts, sums and means per group; small cells stay hidden.' },
  { kind: 'correlation', label: 'Correlation', hint: 'Pearson correlation from pooled cross-products.' },
  { kind: 'linear_regression', label: 'Linear regression', hint: 'Least squares from pooled XᵀX and Xᵀy.' },
  {
    kind: 'logistic_regression',
    label: 'Logistic regression',
    hint: 'Newton–Raphson: one round per step, until it converges.',
  },
];

export const REQUIRE_LABELS: Record<StudyRequire, string> = {
  all: 'All runners must answer every round (fail otherwise)',
  quorum: 'More than half must answer; go on without the others',
  any: 'Go on with whoever answers',
};

export type StudyErrors = Record<string, string>;

const numeric = (columns: ColumnInfo[]) => new Set(columns.filter((c) => c.kind === 'number').map((c) => c.name));

function fieldOf(path: readonly PropertyKey[], d: StudyDraft): string {
  const [head, ...rest] = path;
  if (head === 'where') return errorKeyAtPath(d.filter, rest);
  if (head === 'aggregates') return 'aggregates';
  return typeof head === 'string' ? head : 'form';
}

/** The body to send (even while it has problems) and the problems, by field; `ok` when it can be sent. */
export function buildStudy(
  d: StudyDraft,
  columns: ColumnInfo[],
): { body: Record<string, unknown>; errors: StudyErrors; ok: boolean } {
  const errors: StudyErrors = {};
  const body: Record<string, unknown> = { dataset: d.dataset, analysis: d.analysis, require: d.require };
  if (d.runner_ids.length) body.runner_ids = d.runner_ids;
  const nums = numeric(columns);
  const onlyNumbers = (field: string, names: string[]) => {
    const bad = names.filter((n) => !nums.has(n));
    if (bad.length) errors[field] = `Not numeric: ${bad.join(', ')}`;
  };
  switch (d.analysis) {
    case 'summary':
    case 'correlation':
      body.columns = d.columns;
      onlyNumbers('columns', d.columns);
      break;
    case 'histogram':
      body.columns = d.columns;
      body.bins = d.bins;
      onlyNumbers('columns', d.columns);
      break;
    case 'group_by':
      body.group_by = d.group_by;
      body.aggregates = d.aggregates.map((a) => (a.column ? { fn: a.fn, column: a.column } : { fn: a.fn }));
      if (d.aggregates.some((a) => a.fn !== 'count' && !a.column)) errors.aggregates = 'A sum or mean needs a column';
      break;
    case 'linear_regression':
    case 'logistic_regression':
      body.target = d.target;
      body.features = d.features;
      onlyNumbers('features', d.features);
      if (d.analysis === 'linear_regression' && d.target) onlyNumbers('target', [d.target]);
      if (d.analysis === 'logistic_regression' && d.positive.trim() !== '') {
        const kind = columns.find((c) => c.name === d.target)?.kind ?? 'string';
        const p = parseScalar(d.positive.trim(), kind);
        if (p.ok) body.positive = p.value;
        else errors.positive = p.error;
      }
      break;
  }
  if (d.use_filter) {
    const f = toExpr(d.filter, columns);
    body.where = f.expr;
    Object.assign(errors, f.errors);
  }
  if (!d.dataset) errors.dataset = 'Pick a dataset';
  // The schema would say the same in its own words; these are the common ones, said plainly.
  const need = d.analysis === 'correlation' ? 2 : 1;
  if (['summary', 'histogram', 'correlation'].includes(d.analysis) && d.columns.length < need)
    errors.columns ??= `Pick at least ${need === 2 ? 'two columns' : 'one column'}`;
  if (d.analysis === 'group_by' && d.group_by.length === 0) errors.group_by ??= 'Pick at least one column to group by';
  if (d.analysis.endsWith('regression')) {
    if (!d.target) errors.target ??= 'Pick the column to predict';
    if (d.features.length === 0) errors.features ??= 'Pick at least one feature';
  }
  const parsed = StudyCreate.safeParse(body);
  if (!parsed.success) for (const i of parsed.error.issues) errors[fieldOf(i.path, d)] ??= i.message;
  return { body, errors, ok: Object.keys(errors).length === 0 };
}
