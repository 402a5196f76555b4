// The number fields of each analysis kind as data: which draft field, its label, bounds and hint. The form renders them
// with one component (number-fields.svelte), so adding a numeric option is one line here.
import type { AnalysisDraft, AnalysisKind } from '@simpul/protocol';

/** The draft's fields that hold a number (or null for "the runner's default"). */
export type NumberKey = {
  [K in keyof AnalysisDraft]: AnalysisDraft[K] extends number | null ? K : never;
}[keyof AnalysisDraft];

export interface NumberSpec {
  key: NumberKey;
  id: string;
  label: string;
  min?: number;
  max?: number;
  /** `any` for fractions; whole numbers otherwise. */
  step?: 'any';
  placeholder?: string;
  hint?: string;
}

/** Where in the form a field stands: beside the columns, or folded in "Model settings". */
export type NumberPart = 'main' | 'settings';

const MAIN: Record<AnalysisKind, NumberSpec[]> = {
  describe: [
    { key: 'bins', id: 'a-bins', label: 'Histogram bins', min: 1, max: 200, hint: 'Bars per numeric column' },
    { key: 'top', id: 'a-top', label: 'Top values', min: 1, max: 100, hint: 'Most frequent values per text column' },
  ],
  correlation: [],
  group_by: [], // its one number (most groups) shares a row with the sort order
  linear_regression: [],
  logistic_regression: [
    {
      key: 'test_pct',
      id: 'a-test',
      label: 'Held-out test rows (%)',
      min: 0,
      max: 90,
      hint: '0 (default) fits on every row; a share held out measures accuracy and AUC on unseen rows',
    },
    {
      key: 'threshold',
      id: 'a-threshold',
      label: 'Decision threshold',
      min: 0,
      max: 1,
      step: 'any',
      hint: 'Probability above which a row is called positive',
    },
  ],
  kmeans: [{ key: 'k', id: 'a-k', label: 'Clusters (k)', min: 2, max: 50, hint: 'From 2 to 50' }],
};

function settings(kind: AnalysisKind): NumberSpec[] {
  const model = kind === 'linear_regression' || kind === 'logistic_regression' || kind === 'kmeans';
  if (!model) return [];
  const kmeans = kind === 'kmeans';
  const seedHint =
    kind === 'linear_regression' ? 'Picks the points shown in the chart' : 'The same seed gives the same result';
  const out: NumberSpec[] = [{ key: 'seed', id: 'a-seed', label: 'Random seed', min: 0, hint: seedHint }];
  if (kind === 'logistic_regression')
    out.push({ key: 'l2', id: 'a-l2', label: 'Ridge penalty (L2)', min: 0, step: 'any' });
  if (kmeans) {
    const hint = 'Seeded runs; the tightest wins';
    out.push({ key: 'restarts', id: 'a-restarts', label: 'Restarts', min: 1, max: 10, placeholder: '3', hint });
  }
  if (kind !== 'linear_regression') {
    out.push({
      key: 'max_iterations',
      id: 'a-iter',
      label: 'Max iterations',
      min: 1,
      max: kmeans ? 1000 : 200,
      placeholder: kmeans ? '100' : '50',
    });
  }
  return out;
}

/** The number fields `kind` shows in `part` of the form, in order. */
export const numberFields = (kind: AnalysisKind, part: NumberPart): NumberSpec[] =>
  part === 'main' ? MAIN[kind] : settings(kind);
