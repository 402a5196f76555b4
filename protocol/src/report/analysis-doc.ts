// The sections of an analysis result (op 300) as a report: coefficients, metrics, confusion, groups, clusters, columns.
import type {
  AnalysisResult,
  Coefficient,
  DescribeResult,
  GroupByResult,
  KmeansResult,
  LinearRegressionResult,
  LogisticRegressionResult,
} from '../analysis.ts';
import type { Cell } from '../ops.ts';
import { disclosureLines, metricRows, type ReportDoc, type ReportMeta, type ReportSection } from './document.ts';
import { FIELD_LABELS, fieldLabel, formatNumber } from './format.ts';

export const ANALYSIS_TITLES: Record<AnalysisResult['analysis'], string> = {
  describe: 'Summary statistics',
  correlation: 'Correlation',
  group_by: 'Grouped aggregates',
  linear_regression: 'Linear regression',
  logistic_regression: 'Logistic regression',
  kmeans: 'k-means clustering',
};

const list = (xs: string[]) => xs.join(', ');

/** One line saying what was asked, e.g. "temp_max ~ temp_min + wind on seattle". */
export function analysisDescription(r: AnalysisResult, dataset: string): string {
  switch (r.analysis) {
    case 'describe':
      return `Summary statistics of ${r.columns.length} columns (${list(r.columns.map((c) => c.name))}) of ${dataset}`;
    case 'correlation':
      return `Correlation of ${list(r.columns)} on ${dataset}`;
    case 'group_by':
      return `${r.aggregates.length ? list(r.aggregates.map((a) => a.name)) : 'count'} by ${list(r.group_by)} on ${dataset}`;
    case 'linear_regression':
      return `${r.target} ~ ${r.features.join(' + ')} on ${dataset}`;
    case 'logistic_regression':
      return `${r.target} = ${String(r.positive)} ~ ${r.features.join(' + ')} on ${dataset}`;
    case 'kmeans':
      return `k-means with k = ${r.k} on ${list(r.features)} of ${dataset}`;
  }
}

const COEF_EXTRA = ['p_value', 'ci_low', 'ci_high', 'odds_ratio', 'or_ci_low', 'or_ci_high'] as const;

/** Term, estimate, std. error, t or z, and the p-values, intervals and odds ratios the result has. */
export function coefficientsSection(coefficients: Coefficient[], statistic: 't' | 'z'): ReportSection {
  const extra = COEF_EXTRA.filter((k) => coefficients.some((c) => c[k] !== undefined));
  return {
    name: 'Coefficients',
    title: 'Coefficients',
    table: {
      columns: ['term', 'estimate', 'std_error', statistic, ...extra].map(fieldLabel),
      rows: coefficients.map((c) => [c.term, c.estimate, c.std_error, c.statistic, ...extra.map((k) => c[k] ?? null)]),
    },
  };
}

/** A "Metrics" section from result fields, labelled with FIELD_LABELS. */
export function metricsSection<T extends object>(
  r: T,
  keys: readonly (keyof T & string)[],
  text?: string[],
  title = 'Model statistics',
): ReportSection {
  const pairs = keys.map((k): [string, Cell | undefined] => [
    FIELD_LABELS[k] ?? fieldLabel(k),
    r[k] as Cell | undefined,
  ]);
  return {
    name: 'Metrics',
    title,
    text,
    table: { columns: ['Metric', 'Value'], rows: metricRows(pairs) },
  };
}

function describeSections(r: DescribeResult): ReportSection[] {
  const numeric = r.columns.filter((c) => c.kind === 'number');
  const other = r.columns.filter((c) => c.kind !== 'number');
  const sections: ReportSection[] = [];
  if (numeric.length)
    sections.push({
      name: 'Numeric columns',
      title: 'Numeric columns',
      table: {
        columns: ['column', 'type', 'count', 'nulls', 'mean', 'sd', 'min', 'q1', 'median', 'q3', 'max'].map(fieldLabel),
        rows: numeric.map((c) => [c.name, c.type, c.count, c.nulls, c.mean, c.sd, c.min, c.q1, c.median, c.q3, c.max]),
      },
      chart: r.charts.histograms.length
        ? {
            kind: 'histograms',
            items: r.charts.histograms.map((h) => ({ title: h.column, edges: h.edges, counts: h.counts })),
          }
        : undefined,
    });
  if (other.length)
    sections.push({
      name: 'Other columns',
      title: 'Other columns',
      table: {
        columns: ['column', 'type', 'count', 'nulls', 'distinct', 'min', 'max', 'top_values'].map(fieldLabel),
        rows: other.map((c) => [
          c.name,
          c.type,
          c.count,
          c.nulls,
          c.distinct,
          c.min,
          c.max,
          c.top ? c.top.map((t) => `${String(t.value)} (${t.count})`).join('; ') : null,
        ]),
      },
    });
  return sections;
}

function groupBySections(r: GroupByResult): ReportSection[] {
  const shown = r.truncated ? ` (the first ${r.groups.length} are listed)` : '';
  return [
    {
      name: 'Groups',
      title: 'Groups',
      text: [
        `${r.total_groups} groups${shown}; ${r.suppressed_groups} withheld (smaller than the minimum group size).`,
      ],
      chart: {
        kind: 'bars',
        title: `${r.charts.bar.measure} by ${list(r.group_by)}`,
        labels: r.charts.bar.labels,
        values: r.charts.bar.values,
        x_label: list(r.group_by),
        y_label: r.charts.bar.measure,
      },
      table: {
        columns: [...r.group_by, 'Count', ...r.aggregates.map((a) => a.name), 'Withheld'],
        rows: r.groups.map((g) => [...g.key, g.count, ...g.values, g.suppressed]),
      },
    },
    metricsSection(r, ['total_groups', 'suppressed_groups', 'truncated', 'rows_used'], undefined, 'Statistics'),
  ];
}

/** The fit statistics of a linear regression, in the order reports list them (single runner and study alike). */
export const LINEAR_METRICS = [
  'r2',
  'adj_r2',
  'f_statistic',
  'f_p_value',
  'df_model',
  'df',
  'residual_se',
  'log_likelihood',
  'aic',
  'bic',
  'rows_used',
] as const;

/** A logistic fit's likelihood statistics, in the order reports list them (single runner and study alike). */
export const LOGISTIC_FIT = [
  'log_likelihood',
  'null_log_likelihood',
  'pseudo_r2',
  'llr',
  'llr_p_value',
  'aic',
  'bic',
] as const;

function linearSections(r: LinearRegressionResult): ReportSection[] {
  const metrics = metricsSection(r, LINEAR_METRICS);
  const res = r.residuals;
  metrics.table.rows.push(
    ...(['min', 'q1', 'median', 'q3', 'max'] as const).map((k) => [`Residual ${FIELD_LABELS[k]}`, res[k]]),
  );
  const sc = r.charts.scatter;
  if (sc)
    metrics.chart = {
      kind: 'xy',
      title: `Actual ${r.target} against fitted`,
      x: sc.x,
      y: sc.y,
      x_label: `Fitted ${r.target}`,
      y_label: `Actual ${r.target}`,
      line: r.charts.fit_line,
    };
  return [coefficientsSection(r.coefficients, 't'), metrics];
}

function logisticSections(r: LogisticRegressionResult): ReportSection[] {
  const evaluated =
    r.evaluated_on === 'test'
      ? `${formatNumber(r.n_test)} held-out rows`
      : `the ${formatNumber(r.n_train_used)} fitted rows`;
  const metrics = metricsSection(
    { ...r, ...r.metrics },
    [
      ...LOGISTIC_FIT,
      'accuracy',
      'precision',
      'recall',
      'f1',
      'auc',
      'threshold',
      'n_train',
      'n_train_used',
      'n_test',
      'df_model',
      'df_resid',
      'converged',
      'iterations',
    ],
    [`${r.target} = ${String(r.positive)} against the rest. Accuracy, precision, recall, F1 and AUC on ${evaluated}.`],
  );
  metrics.chart = {
    kind: 'xy',
    title: 'ROC curve',
    x: r.charts.roc.fpr,
    y: r.charts.roc.tpr,
    x_label: 'False positive rate',
    y_label: 'True positive rate',
    diagonal: true,
    points: false,
  };
  const { labels, matrix } = r.charts.confusion;
  const confusion: ReportSection = {
    name: 'Confusion',
    title: 'Confusion matrix',
    text: [`Rows: actual ${r.target}; columns: predicted (on ${evaluated}).`],
    table: {
      columns: ['Actual \\ predicted', ...labels],
      rows: labels.map((l, i) => [l, ...(matrix[i] ?? [])]),
    },
  };
  return [coefficientsSection(r.coefficients, 'z'), metrics, confusion];
}

function kmeansSections(r: KmeansResult): ReportSection[] {
  const sc = r.charts.scatter;
  const clusters: ReportSection = {
    name: 'Clusters',
    title: "Clusters (centres in the features' units)",
    table: {
      columns: ['Cluster', 'Size', ...r.features],
      rows: r.centroids.map((c, i) => [i + 1, r.sizes[i], ...c]),
    },
    chart: sc
      ? {
          kind: 'xy',
          title: `Clusters: ${sc.y_label} against ${sc.x_label}`,
          x: sc.x,
          y: sc.y,
          x_label: sc.x_label,
          y_label: sc.y_label,
          group: sc.group,
          group_label: 'Cluster',
        }
      : {
          kind: 'bars',
          title: 'Cluster sizes',
          labels: r.sizes.map((_, i) => String(i + 1)),
          values: r.sizes,
          x_label: 'Cluster',
          y_label: 'Rows',
        },
  };
  return [
    clusters,
    metricsSection(
      r,
      ['k', 'silhouette', 'silhouette_rows', 'sample_rows', 'iterations', 'converged', 'standardised', 'rows_used'],
      undefined,
      'Clustering statistics',
    ),
  ];
}

/** The sections of a result, in the order a reader wants them. */
export function analysisSections(r: AnalysisResult): ReportSection[] {
  switch (r.analysis) {
    case 'describe':
      return describeSections(r);
    case 'correlation':
      return (['pearson', 'spearman'] as const).flatMap((method): ReportSection[] => {
        const m = r[method];
        if (!m) return [];
        const name = method === 'pearson' ? 'Pearson' : 'Spearman';
        return [
          {
            name,
            title: `${name} correlation`,
            chart: { kind: 'heatmap', title: `${name} correlation`, labels: r.columns, values: m },
            table: { columns: ['Column', ...r.columns], rows: r.columns.map((c, i) => [c, ...m[i]]) },
          },
        ];
      });
    case 'group_by':
      return groupBySections(r);
    case 'linear_regression':
      return linearSections(r);
    case 'logistic_regression':
      return logisticSections(r);
    case 'kmeans':
      return kmeansSections(r);
  }
}

/** The whole report of an analysis result; `meta` gives what the result itself does not know. */
export function analysisDoc(r: AnalysisResult, meta: Omit<ReportMeta, 'title' | 'description'>): ReportDoc {
  const ctx = r.analysis === 'group_by' ? { groups: r.suppressed_groups, rows: r.suppressed_rows } : {};
  return {
    meta: {
      title: `${ANALYSIS_TITLES[r.analysis]}: ${meta.dataset}`,
      description: analysisDescription(r, meta.dataset),
      rows: r.rows_used,
      ...meta,
    },
    notes: [...disclosureLines(r.disclosure, ctx), ...(r.warnings ?? [])],
    sections: analysisSections(r),
  };
}
