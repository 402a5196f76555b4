// op 300 analyses: each one's options (flat fields of the params) and its result, charts included.
import { z } from 'zod';
import { ColumnName } from './common.ts';
import { Disclosure } from './disclosure.ts';
import { FilterExpr, Scalar } from './filter.ts';

export const AnalysisKind = z.enum([
  'describe',
  'correlation',
  'group_by',
  'linear_regression',
  'logistic_regression',
  'kmeans',
]);
export type AnalysisKind = z.infer<typeof AnalysisKind>;

/** A result value as JSON (the same shape as ops.ts's Cell, which imports this file and so cannot be imported here). */
const Value = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** A statistic that may be missing (too few rows, or suppressed by the data owner's minimum group size). */
const Stat = z.number().nullable();
const Features = z.array(ColumnName).min(1).max(50);
const Seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1)
  .default(42);

// ---- options ------------------------------------------------------------------------------------------------

export const DescribeOptions = z.object({
  columns: z.array(ColumnName).min(1).max(1000).optional(), // default: every column
  bins: z.number().int().min(1).max(200).default(20), // histogram bins per numeric column
  top: z.number().int().min(1).max(100).default(10), // most frequent values per text or boolean column
});
export type DescribeOptions = z.infer<typeof DescribeOptions>;

export const CorrelationMethod = z.enum(['pearson', 'spearman', 'both']);
export type CorrelationMethod = z.infer<typeof CorrelationMethod>;

export const CorrelationOptions = z.object({
  columns: z.array(ColumnName).min(2).max(100).optional(), // default: every numeric column (up to 100)
  method: CorrelationMethod.default('both'),
});
export type CorrelationOptions = z.infer<typeof CorrelationOptions>;

export const AggregateFn = z.enum(['count', 'sum', 'mean', 'min', 'max', 'median']);
export type AggregateFn = z.infer<typeof AggregateFn>;

/** One aggregate: `count` without a column counts rows; with one, its non-null values. */
export const Aggregate = z
  .object({ fn: AggregateFn, column: ColumnName.optional() })
  .strict()
  .refine((a) => a.fn === 'count' || a.column !== undefined, {
    message: 'this aggregate needs a column',
    path: ['column'],
  });
export type Aggregate = z.infer<typeof Aggregate>;

export const GroupByOptions = z.object({
  group_by: z.array(ColumnName).min(1).max(8),
  aggregates: z.array(Aggregate).max(50).default([]), // every group also gets its row count
  sort: z.enum(['groups', 'count']).default('groups'), // by the group values, or largest groups first
  limit: z.number().int().min(1).max(10_000).default(1000),
});
export type GroupByOptions = z.infer<typeof GroupByOptions>;

export const LinearRegressionOptions = z.object({
  target: ColumnName,
  features: Features,
  sample_points: z.number().int().min(0).max(1000).default(1000), // fitted-vs-actual points for the scatter chart
  seed: Seed,
});
export type LinearRegressionOptions = z.infer<typeof LinearRegressionOptions>;

export const LogisticRegressionOptions = z.object({
  target: ColumnName,
  positive: Scalar.optional(), // the class modelled against all others; needed unless the target has exactly two values
  features: Features,
  test_pct: z.number().int().min(0).max(90).default(0), // held-out share; 0 (the default) fits on every row and evaluates on them
  seed: Seed,
  standardise: z.boolean().default(true),
  max_rows: z.number().int().min(10).max(1_000_000).default(200_000), // training rows sampled at most
  max_iterations: z.number().int().min(1).max(200).default(50),
  l2: z.number().min(0).max(1e6).default(0), // ridge penalty on the (standardised) slopes
  threshold: z.number().min(0).max(1).default(0.5),
});
export type LogisticRegressionOptions = z.infer<typeof LogisticRegressionOptions>;

export const KmeansOptions = z.object({
  k: z.number().int().min(2).max(50),
  features: Features,
  standardise: z.boolean().default(true),
  seed: Seed,
  max_iterations: z.number().int().min(1).max(1000).default(100),
  sample_rows: z.number().int().min(10).max(50_000).default(50_000), // rows clustered; all rows are then assigned
  restarts: z.number().int().min(1).max(10).default(3), // seeded runs; the tightest clustering wins
});
export type KmeansOptions = z.infer<typeof KmeansOptions>;

// ---- params: `{ analysis, where?, ...options }`; ops.ts adds `dataset` -------------------------------------

const spec = <K extends AnalysisKind, S extends z.ZodRawShape>(analysis: K, shape: S) =>
  z.object({ analysis: z.literal(analysis), where: FilterExpr.optional(), ...shape }).strict();

export const DescribeSpec = spec('describe', DescribeOptions.shape);
export const CorrelationSpec = spec('correlation', CorrelationOptions.shape);
export const GroupBySpec = spec('group_by', GroupByOptions.shape);
export const LinearRegressionSpec = spec('linear_regression', LinearRegressionOptions.shape);
export const LogisticRegressionSpec = spec('logistic_regression', LogisticRegressionOptions.shape);
export const KmeansSpec = spec('kmeans', KmeansOptions.shape);

/** An analysis without its dataset (what an export of an analysis carries). */
export const AnalysisSpec = z.discriminatedUnion('analysis', [
  DescribeSpec,
  CorrelationSpec,
  GroupBySpec,
  LinearRegressionSpec,
  LogisticRegressionSpec,
  KmeansSpec,
]);
export type AnalysisSpec = z.infer<typeof AnalysisSpec>;
export type AnalysisSpecInput = z.input<typeof AnalysisSpec>;

// ---- results ------------------------------------------------------------------------------------------------

/** Equal-width bins: `edges` has one more entry than `counts`; the last bin includes its upper edge. */
export const Histogram = z.object({ column: z.string(), edges: z.array(z.number()), counts: z.array(Stat) });
export type Histogram = z.infer<typeof Histogram>;

export const Scatter = z.object({
  x: z.array(z.number()),
  y: z.array(z.number()),
  x_label: z.string(),
  y_label: z.string(),
  group: z.array(z.number().int()).optional(), // e.g. the cluster of each point
});
export type Scatter = z.infer<typeof Scatter>;

const Common = {
  rows_used: z.number().int().min(0), // rows that passed the filter (and had no nulls where the analysis needs values)
  warnings: z.array(z.string()).optional(),
  disclosure: Disclosure.optional(), // what the runner's release gate withheld or changed (set whenever a policy applies)
};

export const DescribeColumn = z.object({
  name: z.string(),
  type: z.string(),
  kind: z.string(),
  count: Stat, // non-null values
  nulls: Stat,
  distinct: Stat,
  min: Value,
  max: Value,
  mean: Stat,
  sd: Stat, // sample standard deviation
  q1: Stat,
  median: Stat,
  q3: Stat, // quartiles by linear interpolation (quantile_cont)
  non_finite: z.number().int().min(0).optional(), // ±Infinity and NaN: in count, left out of min…q3 and the histogram
  top: z.array(z.object({ value: Value, count: z.number() })).optional(), // text and boolean columns
  suppressed: z.boolean().optional(), // fewer values than the data owner's minimum group size
});
export type DescribeColumn = z.infer<typeof DescribeColumn>;

/** A describe column's statistics in the order tables show them (after the column's name): exports and the web. */
export const DESCRIBE_STATS = [
  'type',
  'count',
  'nulls',
  'distinct',
  'min',
  'max',
  'mean',
  'sd',
  'q1',
  'median',
  'q3',
] as const;
export const describeStats = (c: DescribeColumn) => DESCRIBE_STATS.map((k) => c[k]);

export const DescribeResult = z.object({
  analysis: z.literal('describe'),
  ...Common,
  columns: z.array(DescribeColumn),
  charts: z.object({ histograms: z.array(Histogram) }),
});
export type DescribeResult = z.infer<typeof DescribeResult>;

const Matrix = z.array(z.array(Stat));

export const CorrelationResult = z.object({
  analysis: z.literal('correlation'),
  ...Common,
  columns: z.array(z.string()),
  pearson: Matrix.optional(),
  spearman: Matrix.optional(),
  charts: z.object({
    heatmaps: z.array(
      z.object({ method: z.enum(['pearson', 'spearman']), columns: z.array(z.string()), values: Matrix }),
    ),
  }),
});
export type CorrelationResult = z.infer<typeof CorrelationResult>;

export const GroupRow = z.object({
  key: z.array(Value),
  count: Stat,
  values: z.array(Value), // one per aggregate
  suppressed: z.boolean(),
});
export type GroupRow = z.infer<typeof GroupRow>;

export const GroupByResult = z.object({
  analysis: z.literal('group_by'),
  ...Common,
  group_by: z.array(z.string()),
  aggregates: z.array(z.object({ name: z.string(), fn: AggregateFn, column: z.string().optional() })),
  groups: z.array(GroupRow),
  total_groups: z.number().int().min(0),
  truncated: z.boolean(), // more groups than `limit`
  suppressed_groups: z.number().int().min(0), // groups smaller than k: left out, keys included
  suppressed_rows: z.number().int().min(0).optional(), // rows in the left-out groups, rounded
  charts: z.object({ bar: z.object({ labels: z.array(z.string()), values: z.array(Stat), measure: z.string() }) }),
});
export type GroupByResult = z.infer<typeof GroupByResult>;

export const Coefficient = z.object({
  term: z.string(), // "(intercept)" or a feature column
  estimate: z.number(),
  std_error: Stat,
  statistic: Stat, // t (linear) or z (logistic)
  // Added with the statsmodels-style summary; optional because older runners do not send them.
  p_value: Stat.optional(), // two-sided: Student t with the residual df (linear), standard normal (logistic)
  ci_low: Stat.optional(), // 95 % confidence interval: estimate ∓ quantile × std_error
  ci_high: Stat.optional(),
  odds_ratio: Stat.optional(), // logistic only: exp(estimate)
  or_ci_low: Stat.optional(), // logistic only: exp(ci_low), exp(ci_high)
  or_ci_high: Stat.optional(),
});
export type Coefficient = z.infer<typeof Coefficient>;

export const LinearRegressionResult = z.object({
  analysis: z.literal('linear_regression'),
  ...Common,
  target: z.string(),
  features: z.array(z.string()),
  coefficients: z.array(Coefficient),
  r2: Stat,
  adj_r2: Stat,
  residual_se: Stat,
  df: z.number().int(), // residual degrees of freedom: n - features - 1
  // Model statistics (statsmodels' OLS definitions); optional because older runners do not send them.
  df_model: z.number().int().optional(), // features (parameters excluding the intercept)
  f_statistic: Stat.optional(), // overall F test of every slope = 0
  f_p_value: Stat.optional(),
  log_likelihood: Stat.optional(), // Gaussian log-likelihood at the fit (σ² = RSS/n)
  aic: Stat.optional(), // -2 log_likelihood + 2 (features + 1)
  bic: Stat.optional(), // -2 log_likelihood + ln(n) (features + 1)
  residuals: z.object({ min: Stat, q1: Stat, median: Stat, q3: Stat, max: Stat }),
  charts: z.object({
    scatter: Scatter.optional(), // fitted (x) vs actual (y); left out when a minimum group size applies (rows)
    fit_line: z.object({ x: z.array(z.number()), y: z.array(z.number()) }).optional(), // actual = fitted
  }),
});
export type LinearRegressionResult = z.infer<typeof LinearRegressionResult>;

export const Confusion = z.object({ tp: Stat, fp: Stat, tn: Stat, fn: Stat });
export type Confusion = z.infer<typeof Confusion>;

export const LogisticRegressionResult = z.object({
  analysis: z.literal('logistic_regression'),
  ...Common,
  target: z.string(),
  positive: Value,
  features: z.array(z.string()),
  standardised: z.boolean(),
  coefficients: z.array(Coefficient), // in the features' own units
  converged: z.boolean(),
  iterations: z.number().int(),
  n_train: z.number().int(),
  n_train_used: z.number().int(), // after sampling to max_rows
  n_test: z.number().int(),
  // Model statistics on the rows the model was fitted on (n_train_used); optional because older runners do not send
  // them. With a positive l2 the fit is penalised: aic, bic and the coefficients' p-values and intervals are left out.
  df_model: z.number().int().optional(), // features
  df_resid: z.number().int().optional(), // n_train_used - features - 1
  log_likelihood: Stat.optional(),
  null_log_likelihood: Stat.optional(), // intercept-only model
  pseudo_r2: Stat.optional(), // McFadden: 1 - log_likelihood / null_log_likelihood
  llr: Stat.optional(), // likelihood-ratio statistic 2 (log_likelihood - null_log_likelihood)
  llr_p_value: Stat.optional(), // chi-square with df_model degrees of freedom
  aic: Stat.optional(), // -2 log_likelihood + 2 (features + 1)
  bic: Stat.optional(), // -2 log_likelihood + ln(n_train_used) (features + 1)
  evaluated_on: z.enum(['test', 'train']),
  threshold: z.number(),
  metrics: z.object({ accuracy: Stat, precision: Stat, recall: Stat, f1: Stat, auc: Stat }),
  confusion: Confusion,
  charts: z.object({
    roc: z.object({ fpr: z.array(z.number()), tpr: z.array(z.number()), auc: Stat }),
    confusion: z.object({ labels: z.array(z.string()), matrix: z.array(z.array(Stat)) }), // rows actual, columns predicted
  }),
});
export type LogisticRegressionResult = z.infer<typeof LogisticRegressionResult>;

export const KmeansResult = z.object({
  analysis: z.literal('kmeans'),
  ...Common,
  k: z.number().int(),
  features: z.array(z.string()),
  standardised: z.boolean(),
  centroids: z.array(z.array(Stat)), // k rows, features' own units: the mean of the rows assigned to each cluster
  sizes: z.array(Stat), // rows of the whole (filtered) dataset assigned to each cluster
  silhouette: Stat, // mean silhouette on a sample of at most 2000 rows
  silhouette_rows: z.number().int(),
  sample_rows: z.number().int(), // rows the centres were fitted on
  iterations: z.number().int(),
  converged: z.boolean(),
  charts: z.object({ scatter: Scatter.optional() }), // 2-D view (principal components beyond two features) coloured by cluster
});
export type KmeansResult = z.infer<typeof KmeansResult>;

/** op 300 result. */
export const AnalysisResult = z.discriminatedUnion('analysis', [
  DescribeResult,
  CorrelationResult,
  GroupByResult,
  LinearRegressionResult,
  LogisticRegressionResult,
  KmeansResult,
]);
export type AnalysisResult = z.infer<typeof AnalysisResult>;
