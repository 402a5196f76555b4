// Combined study results: one schema per federated analysis, each with the sites it combined and a per-site breakdown.
//
// Suppression. A whole statistic a site suppressed (a column, a matrix, a model's derivatives, from fewer than k rows)
// leaves that site out of that statistic: the combined value is exact over the other sites, and `suppressed_sites`
// names who is missing. A single cell a site suppressed (a group, a histogram bin) makes the combined cell null and
// `suppressed: true`, because a table whose other cells include that site's rows must not mix populations.
import { z } from 'zod';
import { Coefficient } from './analysis.ts';

const Value = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Stat = z.number().nullable();
const Count = z.number().int().min(0);
const MaybeCount = Count.nullable();
const Matrix = z.array(z.array(Stat));
const Site = z.string(); // a runner id

const Common = {
  rows_used: Count, // rows combined (those that passed the filter; complete rows for models)
  sites: z.array(Site), // whose partials were combined, in order
  warnings: z.array(z.string()).optional(),
};
const SiteCommon = { site: Site, rows: Count };

export const SummaryColumn = z.object({
  name: z.string(),
  count: Count,
  mean: Stat,
  variance: Stat, // sample (n − 1)
  sd: Stat,
  min: Stat,
  max: Stat,
  suppressed_sites: z.array(Site), // sites left out of this column
});
export type SummaryColumn = z.infer<typeof SummaryColumn>;

export const SummaryStudyResult = z.object({
  analysis: z.literal('summary'),
  ...Common,
  columns: z.array(SummaryColumn),
  per_site: z.array(
    z.object({
      ...SiteCommon,
      columns: z.array(
        z.object({
          name: z.string(),
          count: MaybeCount,
          mean: Stat,
          sd: Stat,
          min: Stat,
          max: Stat,
          suppressed: z.boolean(),
        }),
      ),
    }),
  ),
});
export type SummaryStudyResult = z.infer<typeof SummaryStudyResult>;

export const Quartiles = z.object({
  q1: Stat,
  median: Stat,
  q3: Stat,
  approximate: z.literal(true), // interpolated inside the shared bins: off by at most one bin width
});
export type Quartiles = z.infer<typeof Quartiles>;

export const StudyHistogram = z.object({
  column: z.string(),
  edges: z.array(z.number()), // one more than counts; the last bin includes its upper edge
  counts: z.array(MaybeCount), // null where a site suppressed the bin
  suppressed_bins: z.array(z.object({ bin: z.number().int(), sites: z.array(Site) })),
  outside: MaybeCount, // values that fell outside the agreed range (data changed between the rounds)
  quartiles: Quartiles,
});
export type StudyHistogram = z.infer<typeof StudyHistogram>;

export const HistogramStudyResult = z.object({
  analysis: z.literal('histogram'),
  ...Common,
  histograms: z.array(StudyHistogram),
  per_site: z.array(
    z.object({ ...SiteCommon, histograms: z.array(z.object({ column: z.string(), counts: z.array(MaybeCount) })) }),
  ),
});
export type HistogramStudyResult = z.infer<typeof HistogramStudyResult>;

export const StudyGroup = z.object({
  key: z.array(Value),
  count: MaybeCount,
  values: z.array(Stat), // one per aggregate
  suppressed: z.boolean(),
  suppressed_at: z.array(Site), // the sites that suppressed this group
});
export type StudyGroup = z.infer<typeof StudyGroup>;

export const GroupByStudyResult = z.object({
  analysis: z.literal('group_by'),
  ...Common,
  group_by: z.array(z.string()),
  aggregates: z.array(
    z.object({ name: z.string(), fn: z.enum(['count', 'sum', 'mean']), column: z.string().optional() }),
  ),
  groups: z.array(StudyGroup), // ordered by key, nulls last
  total_groups: Count,
  suppressed_groups: Count,
  per_site: z.array(
    z.object({
      ...SiteCommon,
      groups: z.array(
        z.object({ key: z.array(Value), count: MaybeCount, values: z.array(Stat), suppressed: z.boolean() }),
      ),
    }),
  ),
});
export type GroupByStudyResult = z.infer<typeof GroupByStudyResult>;

export const CorrelationStudyResult = z.object({
  analysis: z.literal('correlation'),
  ...Common,
  columns: z.array(z.string()),
  means: z.array(Stat),
  sds: z.array(Stat), // sample (n − 1)
  pearson: Matrix, // null where a column is constant
  suppressed_sites: z.array(Site),
  per_site: z.array(z.object({ ...SiteCommon, n: Count, suppressed: z.boolean(), pearson: Matrix.nullable() })),
});
export type CorrelationStudyResult = z.infer<typeof CorrelationStudyResult>;

export const LinearRegressionStudyResult = z.object({
  analysis: z.literal('linear_regression'),
  ...Common,
  target: z.string(),
  features: z.array(z.string()),
  coefficients: z.array(Coefficient), // intercept first
  r2: Stat,
  adj_r2: Stat,
  residual_se: Stat,
  df: z.number().int(), // n − features − 1
  // Model statistics as in LinearRegressionResult (optional: hubs before them do not send them). f_p_value and the
  // coefficients' p_value, ci_low and ci_high need distribution functions, which the hub adds (not protocol/src/stats).
  df_model: z.number().int().optional(),
  f_statistic: Stat.optional(),
  f_p_value: Stat.optional(),
  log_likelihood: Stat.optional(),
  aic: Stat.optional(),
  bic: Stat.optional(),
  suppressed_sites: z.array(Site),
  per_site: z.array(
    z.object({
      ...SiteCommon,
      n: Count,
      suppressed: z.boolean(),
      coefficients: z.array(z.number()).nullable(), // that site's own least-squares fit, when it has one
    }),
  ),
});
export type LinearRegressionStudyResult = z.infer<typeof LinearRegressionStudyResult>;

export const LogisticRegressionStudyResult = z.object({
  analysis: z.literal('logistic_regression'),
  ...Common,
  target: z.string(),
  positive: Value,
  features: z.array(z.string()),
  coefficients: z.array(Coefficient), // intercept first; z statistics
  converged: z.boolean(),
  iterations: z.number().int(), // Newton steps
  rounds: z.number().int(), // rounds sent to the sites (step halving adds some)
  log_likelihood: z.number(),
  // Model statistics as in LogisticRegressionResult (optional: hubs before them do not send them); llr_p_value and
  // the coefficients' p_value, intervals and odds ratios are added by the hub.
  df_model: z.number().int().optional(),
  df_resid: z.number().int().optional(),
  null_log_likelihood: Stat.optional(),
  pseudo_r2: Stat.optional(),
  llr: Stat.optional(),
  llr_p_value: Stat.optional(),
  aic: Stat.optional(),
  bic: Stat.optional(),
  n_positive: Count,
  suppressed_sites: z.array(Site),
  per_site: z.array(z.object({ ...SiteCommon, n: Count, n_positive: MaybeCount, suppressed: z.boolean() })),
});
export type LogisticRegressionStudyResult = z.infer<typeof LogisticRegressionStudyResult>;

export const StudyResult = z.discriminatedUnion('analysis', [
  SummaryStudyResult,
  HistogramStudyResult,
  GroupByStudyResult,
  CorrelationStudyResult,
  LinearRegressionStudyResult,
  LogisticRegressionStudyResult,
]);
export type StudyResult = z.infer<typeof StudyResult>;
