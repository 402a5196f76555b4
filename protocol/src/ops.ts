// The fixed set of operations a runner executes: op codes, their params and their results.
import { z } from 'zod';
import { ColumnInfo, ColumnName, DatasetName, TaskId } from './common.ts';
import {
  AnalysisKind,
  AnalysisResult,
  AnalysisSpec,
  CorrelationSpec,
  DescribeSpec,
  GroupBySpec,
  KmeansSpec,
  LinearRegressionSpec,
  LogisticRegressionSpec,
} from './analysis.ts';
import { Disclosure } from './disclosure.ts';
import { FilterExpr } from './filter.ts';
import { FederatedPartial, FederatedRoundParams } from './federated.ts';

export const OP_CODES = [100, 200, 300, 400] as const;
export const OpCode = z.literal(OP_CODES);
export type OpCode = z.infer<typeof OpCode>;

export const OP_NAMES = {
  100: 'Fetch rows',
  200: 'Filter',
  300: 'Analyse',
  400: 'Export',
} as const satisfies Record<OpCode, string>;

/** Largest page of rows a task may ask for inline; bigger results go to the blob store. */
export const MAX_PAGE_ROWS = 100_000;

export const OrderBy = z
  .array(z.object({ column: ColumnName, direction: z.enum(['asc', 'desc']).default('asc') }).strict())
  .max(16);
export type OrderBy = z.infer<typeof OrderBy>;

const Columns = z.array(ColumnName).min(1).max(1000);

/** op 100: raw rows, paged. */
export const FetchParams = z
  .object({
    dataset: DatasetName,
    columns: Columns.optional(),
    limit: z.number().int().min(1).max(MAX_PAGE_ROWS).default(100),
    offset: z.number().int().min(0).default(0),
    order_by: OrderBy.optional(),
  })
  .strict();
export type FetchParams = z.infer<typeof FetchParams>;
export type FetchParamsInput = z.input<typeof FetchParams>;

/** op 200: rows that match a filter expression. */
export const FilterParams = z
  .object({
    dataset: DatasetName,
    where: FilterExpr,
    columns: Columns.optional(),
    order_by: OrderBy.optional(),
    limit: z.number().int().min(1).max(MAX_PAGE_ROWS).default(100),
    offset: z.number().int().min(0).default(0),
  })
  .strict();
export type FilterParams = z.infer<typeof FilterParams>;
export type FilterParamsInput = z.input<typeof FilterParams>;

/** op 300: statistics and models on a dataset; `analysis` picks the options (see analysis.ts). */
export const AnalysisParams = z.discriminatedUnion('analysis', [
  DescribeSpec.extend({ dataset: DatasetName }),
  CorrelationSpec.extend({ dataset: DatasetName }),
  GroupBySpec.extend({ dataset: DatasetName }),
  LinearRegressionSpec.extend({ dataset: DatasetName }),
  LogisticRegressionSpec.extend({ dataset: DatasetName }),
  KmeansSpec.extend({ dataset: DatasetName }),
  FederatedRoundParams, // one round of a study (federated.ts)
]);
export type AnalysisParams = z.infer<typeof AnalysisParams>;
export type AnalysisParamsInput = z.input<typeof AnalysisParams>;

export const ExportFormat = z.enum(['csv', 'parquet', 'json', 'xlsx', 'pdf']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** op 400: a file of the (filtered) data or of an analysis, delivered through the blob store. */
export const ExportParams = z
  .object({
    dataset: DatasetName,
    format: ExportFormat,
    where: FilterExpr.optional(),
    columns: Columns.optional(),
    analysis: AnalysisSpec.optional(), // export this analysis's result instead of the rows
    source_task_id: TaskId.optional(), // the task whose result is exported (named in the file's summary)
  })
  .strict();
export type ExportParams = z.infer<typeof ExportParams>;
export type ExportParamsInput = z.input<typeof ExportParams>;

export const OpParams = {
  100: FetchParams,
  200: FilterParams,
  300: AnalysisParams,
  400: ExportParams,
} as const satisfies Record<OpCode, z.ZodType>;

export type OpParamsOf<C extends OpCode> = z.infer<(typeof OpParams)[C]>;

/** A link to bytes in the blob store; only this travels, never the bytes. */
export const BlobRef = z.object({
  url: z.string(), // runners post `blob:<blob_id>` (blobs.ts); users read the hub's download path, which redirects to a signed link
  bytes: z.number().int().min(0),
  sha256: z.string(),
  rows: z.number().int().min(0).optional(),
  format: z.string(),
  filename: z.string().optional(),
});
export type BlobRef = z.infer<typeof BlobRef>;

/** A cell value as JSON: numbers that do not fit a double exactly travel as strings; dates as ISO strings. */
export const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type Cell = z.infer<typeof Cell>;

/** Why a rows result holds fewer rows than there are from `offset` on: the task's `limit`, or the data owner's policy. */
export const FullCut = z.enum(['limit', 'max_rows', 'max_rows_per_day']);
export type FullCut = z.infer<typeof FullCut>;

/**
 * Op 100/200: how many rows the full result holds and how many travel inline, and why each is smaller. The rows that
 * matched are `matched_rows` (op 200) or `total_rows` (op 100).
 */
export const RowCounts = z.object({
  limit: z.number().int().min(1), // the task's limit
  full: z.number().int().min(0), // rows in the full result: the file when there is one, else `rows`
  inline: z.number().int().min(0), // rows in `rows`
  full_cut: FullCut.optional(), // set when more rows matched (from `offset` on) than the full result holds
  inline_cut: z.literal('inline_max').optional(), // set when `rows` holds fewer than the full result (the hub's inline size cap)
});
export type RowCounts = z.infer<typeof RowCounts>;

/** Result of op 100 and op 200. */
export const RowsResult = z.object({
  columns: z.array(ColumnInfo),
  rows: z.array(z.array(Cell)),
  total_rows: z.number().int().min(0), // rows in the dataset
  matched_rows: z.number().int().min(0).optional(), // op 200: rows matching the filter
  offset: z.number().int().min(0).default(0),
  blob: BlobRef.optional(), // the rows of this result as a file, when they are larger than the inline limit
  csv: BlobRef.optional(), // the same rows as CSV, beside `blob`
  row_counts: RowCounts.optional(), // full result and inline rows, and why fewer
  disclosure: Disclosure.optional(), // what the runner's release gate withheld or changed (set whenever a policy applies)
});
export type RowsResult = z.infer<typeof RowsResult>;

export const FetchResult = RowsResult;
export type FetchResult = RowsResult;
export const FilterResult = RowsResult;
export type FilterResult = RowsResult;

/** op 400 result: the file, as a blob link. */
export const ExportResult = BlobRef.extend({ rows: z.number().int().min(0), disclosure: Disclosure.optional() });
export type ExportResult = z.infer<typeof ExportResult>;

/** op 300 result too large for the hub's inline limit: its kind and size inline, the whole result as a JSON blob. */
export const LargeAnalysisResult = z.object({
  analysis: AnalysisKind,
  rows_used: z.number().int().min(0),
  warnings: z.array(z.string()).optional(),
  disclosure: Disclosure.optional(),
  blob: BlobRef,
});
export type LargeAnalysisResult = z.infer<typeof LargeAnalysisResult>;

export const OpResult = {
  100: FetchResult,
  200: FilterResult,
  300: z.union([AnalysisResult, FederatedPartial, LargeAnalysisResult]),
  400: ExportResult,
} as const satisfies Record<OpCode, z.ZodType>;

export type OpResultOf<C extends OpCode> = z.infer<(typeof OpResult)[C]>;
