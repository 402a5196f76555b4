// The gate's rules for op 300 analyses: k on every statistic, no key of a withheld group, secondary suppression, counts as
// the policy lets them leave, dominance for magnitudes, no row-level by-products, and models refused on too few rows.
import type {
  AnalysisResult,
  DescribeResult,
  GroupByResult,
  KmeansResult,
  LinearRegressionResult,
  LogisticRegressionResult,
} from '@simpul/protocol';
import { TaskFailure } from '../errors.ts';
import { countReleaser, withholdCells } from './cells.ts';
import { type CellFacts, type QuerySet, factsOf } from './facts.ts';
import { roundedTotal } from './counts.ts';
import { dominated } from './suppression.ts';
import type { Tally } from './tally.ts';

type Count = ReturnType<typeof countReleaser>;
const ROW_LEVEL = 'row-level values (minimum, maximum, single points) are withheld';

export function releaseAnalysis(r: AnalysisResult, t: Tally, qs: QuerySet | undefined): AnalysisResult {
  const facts = factsOf(r);
  const count = countReleaser(t, qs);
  const rowsUsed = count(r.rows_used, 'rows_used');
  switch (r.analysis) {
    case 'describe':
      return { ...describe(r, facts, t, count), rows_used: rowsUsed };
    case 'correlation':
      if (r.rows_used > 0 && r.rows_used < t.policy.k) {
        t.add('min_group_size', 1, `a correlation from fewer than ${t.policy.k} rows is withheld`);
        return {
          ...r,
          rows_used: rowsUsed,
          pearson: r.pearson?.map((row) => row.map(() => null)),
          spearman: r.spearman?.map((row) => row.map(() => null)),
          charts: { heatmaps: [] },
          warnings: [`the matrix is withheld: fewer rows than the data owner's minimum of ${t.policy.k}`],
        };
      }
      return { ...r, rows_used: rowsUsed };
    case 'group_by':
      return { ...groupBy(r, facts, t, count), rows_used: rowsUsed };
    case 'linear_regression':
      return { ...linear(r, t), rows_used: rowsUsed };
    case 'logistic_regression':
      return { ...logistic(r, t, count), rows_used: rowsUsed };
    case 'kmeans':
      return { ...kmeans(r, t, count), rows_used: rowsUsed };
  }
}

/** DataSHIELD's rule for models: at least k rows, and no more parameters than a third of the rows. */
export function checkModelSize(n: number, parameters: number, t: Tally): void {
  const k = t.policy.k;
  if (n < k || parameters * 3 > n) {
    throw new TaskFailure(
      'policy_denied',
      `the model is refused by the data owner's policy: it needs at least ${k} rows and at least three rows per parameter (${parameters} parameters); select more rows or use fewer features`,
    );
  }
  t.add('min_group_size');
}

function describe(r: DescribeResult, facts: CellFacts, t: Tally, count: Count): DescribeResult {
  const dom = t.policy.dominance;
  const columns = r.columns.map((c) => {
    if (c.suppressed || (c.count !== null && c.count > 0 && c.count < t.policy.k)) {
      t.add('min_group_size', 1, `statistics of columns with fewer than ${t.policy.k} values are withheld`);
      return {
        ...c,
        count: null,
        nulls: null,
        distinct: null,
        min: null,
        max: null,
        mean: null,
        sd: null,
        q1: null,
        median: null,
        q3: null,
        top: undefined,
        suppressed: true,
      };
    }
    const out = { ...c };
    if (out.min !== null || out.max !== null) {
      out.min = null;
      out.max = null;
      t.add('row_level', 0, ROW_LEVEL);
    }
    const m = facts.means?.[c.name];
    if (dom && m && out.mean !== null && dominated(m.top, m.abs, dom.percent)) {
      out.mean = null;
      t.add('dominance', 1, `means dominated by ${dom.n} row(s) (over ${dom.percent} % of the total) are withheld`);
    }
    if (out.count !== null) out.count = count(out.count, `count:${c.name}`);
    if (out.nulls !== null) out.nulls = count(out.nulls, `nulls:${c.name}`);
    if (out.distinct !== null) out.distinct = count(out.distinct, `distinct:${c.name}`);
    if (out.top) {
      const keys = facts.top?.[c.name];
      out.top = out.top
        .filter((v) => v.count >= t.policy.k)
        .map((v, i) => ({ value: v.value, count: count(v.count, keys?.[i] ?? `top:${c.name}:${String(v.value)}`) }));
    }
    return out;
  });
  const histograms = r.charts.histograms.map((h) => {
    const { mask } = withholdCells(t, h.counts, 'histogram bins');
    const keys = facts.bins?.[h.column];
    return {
      ...h,
      counts: h.counts.map((n, i) => (mask[i] || n === null ? null : count(n, keys?.[i] ?? `bin:${h.column}:${i}`))),
    };
  });
  return { ...r, columns, charts: { histograms } };
}

function groupBy(r: GroupByResult, facts: CellFacts, t: Tally, count: Count): GroupByResult {
  const k = t.policy.k;
  const dom = t.policy.dominance;
  const withFacts = r.groups.map((g, i) => ({ g, f: facts.groups?.[i] ?? {} }));
  // Withheld groups leave no key: the op's own suppression (count null) and any group under k go, and one more when a
  // single withheld group would follow from rows_used.
  const small = withFacts.filter(({ g }) => g.suppressed || g.count === null || g.count < k);
  let shown = withFacts.filter((x) => !small.includes(x));
  const withheldGroups = Math.max(r.suppressed_groups, small.length);
  // Rows in the groups the op withheld: the op counted them (the groups it sent do not say); groups under k it sent count too.
  let withheldRows = (facts.withheldRows ?? 0) + small.reduce((s, { g }) => s + (g.suppressed ? 0 : (g.count ?? 0)), 0);
  if (withheldGroups === 1 && shown.length > 0) {
    const smallest = shown.reduce((a, b) => ((b.g.count ?? 0) < (a.g.count ?? 0) ? b : a));
    shown = shown.filter((x) => x !== smallest);
    withheldRows += smallest.g.count ?? 0;
    t.add(
      'secondary_suppression',
      1,
      'one more group is withheld, so that a withheld group does not follow from the total',
    );
  }
  if (withheldGroups > 0)
    t.add('min_group_size', withheldGroups, `groups of fewer than ${k} rows are withheld, keys included`);
  const groups = shown.map(({ g, f }, i) => {
    const values = g.values.map((v, j) => {
      const a = r.aggregates[j];
      if (a.fn === 'min' || a.fn === 'max') {
        if (v !== null) t.add('row_level', 0, ROW_LEVEL);
        return null;
      }
      if (a.fn === 'count') return typeof v === 'number' ? count(v, `${i}:${j}`) : v;
      if (
        dom &&
        (a.fn === 'sum' || a.fn === 'mean') &&
        dominated(f.top?.[j] ?? null, f.abs?.[j] ?? null, dom.percent)
      ) {
        t.add(
          'dominance',
          1,
          `sums and means dominated by ${dom.n} row(s) (over ${dom.percent} % of the total) are withheld`,
        );
        return null;
      }
      return v;
    });
    return {
      key: g.key,
      count: count(g.count as number, f.cellKey ?? JSON.stringify(g.key)),
      values,
      suppressed: false,
    };
  });
  const first = r.aggregates.findIndex((a) => a.fn !== 'min' && a.fn !== 'max');
  const secondaryExtra = shown.length < withFacts.length - small.length ? 1 : 0;
  t.suppressedRows = withheldGroups + secondaryExtra > 0 ? roundedTotal(withheldRows, t.policy) : undefined;
  return {
    ...r,
    groups,
    suppressed_groups: withheldGroups + secondaryExtra,
    ...(t.suppressedRows !== undefined ? { suppressed_rows: t.suppressedRows } : {}),
    charts: {
      bar: {
        labels: groups.map((g) => g.key.map((v) => (v === null ? '(null)' : String(v))).join(' / ')),
        values: groups.map((g) =>
          first >= 0 ? (typeof g.values[first] === 'number' ? (g.values[first] as number) : null) : g.count,
        ),
        measure: r.charts.bar.measure,
      },
    },
  };
}

function linear(r: LinearRegressionResult, t: Tally): LinearRegressionResult {
  checkModelSize(r.rows_used, r.features.length + 1, t);
  t.add('row_level', 0, ROW_LEVEL);
  return { ...r, residuals: { ...r.residuals, min: null, max: null }, charts: {} };
}

function logistic(r: LogisticRegressionResult, t: Tally, count: Count): LogisticRegressionResult {
  checkModelSize(r.n_train, r.features.length + 1, t);
  const names = ['tp', 'fp', 'tn', 'fn'] as const;
  const cells = names.map((n) => r.confusion[n]);
  const { mask } = withholdCells(t, cells, 'confusion-matrix cells');
  const shown = cells.map((n, i) => (mask[i] || n === null ? null : count(n, `confusion:${names[i]}`)));
  const [tp, fp, tn, fn] = shown;
  const anyWithheld = mask.some(Boolean);
  const metrics = anyWithheld
    ? { accuracy: null, precision: null, recall: null, f1: null, auc: r.metrics.auc }
    : r.metrics;
  if (anyWithheld) t.note('metrics computed from a withheld confusion cell are withheld too');
  // The ROC curve's steps are 1/positives and 1/negatives: it would give the exact class sizes back.
  const hideRoc = anyWithheld || t.policy.counts !== 'exact';
  if (hideRoc) t.add('row_level', 0, 'the ROC curve is withheld: its steps give exact class sizes');
  // The intercept-only log-likelihood is a function of the class sizes alone (n·H(p̂)): under rounded counts it, and
  // what gives it back with the model's log-likelihood (McFadden's R², the LLR and its p-value), stay home.
  const classSized = ['null_log_likelihood', 'pseudo_r2', 'llr', 'llr_p_value'] as const;
  const hideNull = t.policy.counts !== 'exact' && classSized.some((k) => r[k] !== undefined && r[k] !== null);
  if (hideNull)
    t.add('row_level', 0, 'the null log-likelihood, McFadden R² and LLR are withheld: they give exact class sizes');
  return {
    ...r,
    ...(hideNull ? Object.fromEntries(classSized.filter((k) => r[k] !== undefined).map((k) => [k, null])) : {}),
    confusion: { tp, fp, tn, fn },
    metrics,
    charts: {
      roc: hideRoc ? { fpr: [], tpr: [], auc: r.charts.roc.auc } : r.charts.roc,
      confusion: {
        labels: r.charts.confusion.labels,
        matrix: [
          [tn, fp],
          [fn, tp],
        ],
      },
    },
  };
}

function kmeans(r: KmeansResult, t: Tally, count: Count): KmeansResult {
  const { mask } = withholdCells(t, r.sizes, 'clusters');
  if (r.charts.scatter) t.add('row_level', 0, ROW_LEVEL);
  return {
    ...r,
    sizes: r.sizes.map((n, i) => (mask[i] || n === null ? null : count(n, `cluster:${i}`))),
    centroids: r.centroids.map((c, i) => (mask[i] ? c.map(() => null) : c)),
    charts: {},
  };
}
