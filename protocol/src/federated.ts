// Federated analysis (studies): the analyst's request, the round a site runs for it, and the aggregates one site returns.
//
// Contract. A study lives on the hub; the work a runner does for it travels as ordinary op 300 tasks whose params are
// `FederatedRoundParams` (`analysis: "federated_round"`, then `step` picks the round's shape) and whose result is a
// `FederatedPartial`. So op codes 100–400 stay fixed, every round gets the whole task lifecycle (lease, heartbeat, retry,
// cancel, fencing) for free, and a data owner allows or refuses rounds like any other analysis (op 300 in its policy).
// Rounds are stateless on the runner: a round's params hold everything it needs (the shared bin edges, the current
// coefficients), so a round that is retried, re-leased or re-run after a reconnect returns the same partial.
// Partials hold aggregates only (counts, sums, centred moments and cross-products, gradients, Hessians), never rows.
// An aggregate a site computed from fewer rows than its data owner's minimum group size k is suppressed at the site
// and flagged; the combined result names the sites that suppressed something.
//
// Related files: federated-results.ts (combined results); stats/ (the pure maths that combines partials: moments.ts,
// groups.ts, crossprod.ts, logistic.ts, linalg.ts; study.ts says which round comes next).
import { z } from 'zod';
import { ColumnName, DatasetName, Id, RunnerId } from './common.ts';
import type { ErrorCode } from './errors.ts';
import { Disclosure } from './disclosure.ts';
import { FilterExpr, Scalar } from './filter.ts';

/** A JSON scalar as results carry it (group keys, the positive class). */
const Value = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Stat = z.number().nullable();
const Count = z.number().int().min(0);
/** A count, or null where the site suppressed it (fewer than its minimum group size). */
const MaybeCount = Count.nullable();
const Columns = (min: number, max: number) => z.array(ColumnName).min(min).max(max);

// ---- the analyst's request ----------------------------------------------------------------------------------

/** How many of the study's runners must deliver every round: all of them, more than half, or at least one. */
export const StudyRequire = z.enum(['all', 'quorum', 'any']);
export type StudyRequire = z.infer<typeof StudyRequire>;

export const StudyKind = z.enum([
  'summary',
  'histogram',
  'group_by',
  'correlation',
  'linear_regression',
  'logistic_regression',
]);
export type StudyKind = z.infer<typeof StudyKind>;

/** `count` without a column counts rows; with one, its non-null values. */
export const StudyAggregate = z
  .object({ fn: z.enum(['count', 'sum', 'mean']), column: ColumnName.optional() })
  .strict()
  .refine((a) => a.fn === 'count' || a.column !== undefined, {
    message: 'this aggregate needs a column',
    path: ['column'],
  });
export type StudyAggregate = z.infer<typeof StudyAggregate>;

const spec = <K extends StudyKind, S extends z.ZodRawShape>(analysis: K, shape: S) =>
  z.object({ analysis: z.literal(analysis), where: FilterExpr.optional(), ...shape }).strict();

/** count, mean, variance, sd (both n − 1), min and max of numeric columns. */
export const SummaryStudySpec = spec('summary', { columns: Columns(1, 1000) });
/** Equal-width bins on the global range (round 1 agrees on it, round 2 counts), with approximate quartiles. */
export const HistogramStudySpec = spec('histogram', {
  columns: Columns(1, 100),
  bins: z.number().int().min(1).max(200).default(20),
});
export const GroupByStudySpec = spec('group_by', {
  group_by: Columns(1, 8),
  aggregates: z.array(StudyAggregate).max(50).default([]), // every group also gets its row count
  max_groups: z.number().int().min(1).max(100_000).default(10_000), // per site; more fails the round
});
/** Pearson correlation over rows with a value in every chosen column. */
export const CorrelationStudySpec = spec('correlation', { columns: Columns(2, 100) });
export const LinearRegressionStudySpec = spec('linear_regression', { target: ColumnName, features: Columns(1, 50) });
export const LogisticRegressionStudySpec = spec('logistic_regression', {
  target: ColumnName,
  positive: Scalar.optional(), // the class modelled; default true for boolean targets and 1 for 0/1 numeric targets
  features: Columns(1, 50),
  max_iter: z.number().int().min(1).max(100).default(25), // Newton steps at most
  tol: z.number().positive().max(1e-2).default(1e-8), // converged when the Newton decrement gᵀH⁻¹g is at most this
});

/** What to compute, without where (dataset) and who (runners). */
export const StudySpec = z.discriminatedUnion('analysis', [
  SummaryStudySpec,
  HistogramStudySpec,
  GroupByStudySpec,
  CorrelationStudySpec,
  LinearRegressionStudySpec,
  LogisticRegressionStudySpec,
]);
export type StudySpec = z.infer<typeof StudySpec>;
export type StudySpecInput = z.input<typeof StudySpec>;
export type StudySpecOf<K extends StudyKind> = Extract<StudySpec, { analysis: K }>;

const StudyCommon = {
  dataset: DatasetName,
  /** The runners that take part; default every runner that serves `dataset`. */
  runner_ids: z.array(RunnerId).min(1).max(1000).optional(),
  require: StudyRequire.default('all'),
  timeout_s: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .optional(), // per round sub-task
  max_attempts: z.number().int().min(1).max(10).optional(), // per round sub-task
};

/** `POST /api/v1/studies` body: `{ dataset, runner_ids?, require, analysis, where?, ...options }`. */
export const StudyCreate = z.discriminatedUnion('analysis', [
  SummaryStudySpec.extend(StudyCommon),
  HistogramStudySpec.extend(StudyCommon),
  GroupByStudySpec.extend(StudyCommon),
  CorrelationStudySpec.extend(StudyCommon),
  LinearRegressionStudySpec.extend(StudyCommon),
  LogisticRegressionStudySpec.extend(StudyCommon),
]);
export type StudyCreate = z.infer<typeof StudyCreate>;
export type StudyCreateInput = z.input<typeof StudyCreate>;

/** Whether enough sites delivered a round: `targeted` runners were asked, `delivered` returned a partial. */
export function requirementMet(require: StudyRequire, targeted: number, delivered: number): boolean {
  if (delivered < 1) return false;
  if (require === 'all') return delivered >= targeted;
  if (require === 'quorum') return delivered * 2 > targeted;
  return true;
}

// ---- one round on one site: op 300 params ---------------------------------------------------------------------

export const FederatedStep = z.enum(['moments', 'range', 'histogram', 'groups', 'crossprod', 'newton']);
export type FederatedStep = z.infer<typeof FederatedStep>;

const round = <S extends FederatedStep, T extends z.ZodRawShape>(step: S, shape: T) =>
  z
    .object({
      analysis: z.literal('federated_round'),
      step: z.literal(step),
      dataset: DatasetName,
      study_id: Id,
      round: z.number().int().min(1).max(1000),
      where: FilterExpr.optional(),
      ...shape,
    })
    .strict();

/** Bin `i` of `bins` equal-width bins on [min, max] (see `histogramEdges`); one bin when min = max. */
export const BinSpec = z
  .object({ column: ColumnName, min: z.number(), max: z.number(), bins: z.number().int().min(1).max(200) })
  .strict()
  .refine((b) => b.min < b.max || (b.min === b.max && b.bins === 1), {
    message: 'min must be below max (or equal, with one bin)',
  });
export type BinSpec = z.infer<typeof BinSpec>;

/** Per column: count, mean, M2 = Σ(x − mean)², min, max (merged with Chan's parallel formulas). */
export const MomentsRound = round('moments', { columns: Columns(1, 1000) });
/** Per column: count, min, max (round 1 of a histogram). */
export const RangeRound = round('range', { columns: Columns(1, 100) });
/** Per column: counts on the shared bins, plus values outside them. */
export const HistogramRound = round('histogram', { columns: z.array(BinSpec).min(1).max(100) });
/** Per group: row count, and per value column its non-null count and sum. */
export const GroupsRound = round('groups', {
  group_by: Columns(1, 8),
  columns: z.array(ColumnName).max(50).default([]),
  max_groups: z.number().int().min(1).max(100_000).default(10_000),
});
/**
 * Over rows with a value in every column: n, means and centred cross-products Σ(x − x̄)(x − x̄)ᵀ. These are the same
 * sufficient statistics as n, Σx and XᵀX (see `rawCrossProducts`), in the form that merges without cancellation.
 */
export const CrossprodRound = round('crossprod', { columns: Columns(2, 101) });
/** One Newton–Raphson round of a logistic regression: at `coefficients` (intercept first), gradient, Hessian, log-likelihood. */
export const NewtonRound = round('newton', {
  target: ColumnName,
  positive: Scalar.optional(),
  features: Columns(1, 50),
  coefficients: z.array(z.number()).min(2).max(51),
}).refine((r) => r.coefficients.length === r.features.length + 1, {
  message: 'coefficients: one per feature plus the intercept',
  path: ['coefficients'],
});

export const FederatedRoundParams = z.discriminatedUnion('step', [
  MomentsRound,
  RangeRound,
  HistogramRound,
  GroupsRound,
  CrossprodRound,
  NewtonRound,
]);
export type FederatedRoundParams = z.infer<typeof FederatedRoundParams>;
export type FederatedRoundParamsInput = z.input<typeof FederatedRoundParams>;
export type RoundParamsOf<S extends FederatedStep> = Extract<FederatedRoundParams, { step: S }>;

// ---- what one site returns: op 300 result ---------------------------------------------------------------------

const partial = <S extends FederatedStep, T extends z.ZodRawShape>(step: S, shape: T) =>
  z.object({
    analysis: z.literal('federated_round'),
    step: z.literal(step),
    study_id: Id,
    round: z.number().int().min(1),
    rows: Count, // rows that passed the filter
    warnings: z.array(z.string()).optional(),
    disclosure: Disclosure.optional(),
    ...shape,
  });

export const ColumnMoments = z.object({
  column: z.string(),
  n: MaybeCount, // non-null values
  mean: Stat,
  m2: Stat, // Σ(x − mean)²
  min: Stat,
  max: Stat,
  suppressed: z.boolean(),
});
export type ColumnMoments = z.infer<typeof ColumnMoments>;

export const ColumnRange = z.object({
  column: z.string(),
  n: MaybeCount,
  min: Stat,
  max: Stat,
  suppressed: z.boolean(),
});
export type ColumnRange = z.infer<typeof ColumnRange>;

export const ColumnBins = z.object({
  column: z.string(),
  min: z.number(),
  max: z.number(),
  bins: z.number().int().min(1),
  counts: z.array(MaybeCount),
  below: MaybeCount, // values under min (only when the data changed since the range round)
  above: MaybeCount,
});
export type ColumnBins = z.infer<typeof ColumnBins>;

export const GroupCell = z.object({
  key: z.array(Value),
  count: MaybeCount,
  n: z.array(MaybeCount), // per value column: non-null values
  sums: z.array(Stat), // per value column
  suppressed: z.boolean(),
});
export type GroupCell = z.infer<typeof GroupCell>;

export const MomentsPartial = partial('moments', { columns: z.array(ColumnMoments) });
export const RangePartial = partial('range', { columns: z.array(ColumnRange) });
export const HistogramPartial = partial('histogram', { columns: z.array(ColumnBins) });
export const GroupsPartial = partial('groups', {
  group_by: z.array(z.string()),
  columns: z.array(z.string()),
  groups: z.array(GroupCell), // ordered by key; groups smaller than the site's k are left out, keys included
  suppressed_groups: z.number().int().min(0).optional(),
  suppressed_rows: z.number().int().min(0).optional(), // rows in the left-out groups, rounded
});
export const CrossprodPartial = partial('crossprod', {
  columns: z.array(z.string()),
  n: Count, // rows with a value in every column
  mean: z.array(z.number()).nullable(),
  comoment: z.array(z.array(z.number())).nullable(), // symmetric
  suppressed: z.boolean(),
});
export const NewtonPartial = partial('newton', {
  target: z.string(),
  positive: Value,
  features: z.array(z.string()),
  coefficients: z.array(z.number()), // where the derivatives were taken
  n: Count, // rows with a target and every feature
  n_positive: MaybeCount,
  gradient: z.array(z.number()).nullable(), // Σ (y − μ) x
  hessian: z.array(z.array(z.number())).nullable(), // Σ μ(1 − μ) x xᵀ (the information matrix, positive definite)
  log_likelihood: Stat,
  suppressed: z.boolean(),
});

export type MomentsPartial = z.infer<typeof MomentsPartial>;
export type RangePartial = z.infer<typeof RangePartial>;
export type HistogramPartial = z.infer<typeof HistogramPartial>;
export type GroupsPartial = z.infer<typeof GroupsPartial>;
export type CrossprodPartial = z.infer<typeof CrossprodPartial>;
export type NewtonPartial = z.infer<typeof NewtonPartial>;

export const FederatedPartial = z.discriminatedUnion('step', [
  MomentsPartial,
  RangePartial,
  HistogramPartial,
  GroupsPartial,
  CrossprodPartial,
  NewtonPartial,
]);
export type FederatedPartial = z.infer<typeof FederatedPartial>;
export type PartialOf<S extends FederatedStep> = Extract<FederatedPartial, { step: S }>;

/** One site's partial, named by its runner. */
export interface SitePartial<P = FederatedPartial> {
  site: string;
  partial: P;
}

/** A study that cannot go on: partials that do not fit the round, or maths with no answer (e.g. collinear features). */
export class FederatedError extends Error {
  constructor(
    readonly code: Extract<ErrorCode, 'invalid_params' | 'op_failed' | 'conflict'>,
    message: string,
  ) {
    super(message);
    this.name = 'FederatedError';
  }
}
