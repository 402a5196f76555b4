// What an analysis or an export needs from the engine: one dataset as a SQL relation, a filter, and a way to query.
import type { AnalysisKind, AnalysisSpec, ColumnInfo } from '@simpul/protocol';

/** A compiled filter: a boolean SQL expression (no `WHERE` keyword) with placeholders `$1..$n` for `params`. */
export interface CompiledWhere {
  sql: string;
  params: unknown[];
}

export interface SqlSource {
  /** A safe SQL relation expression for the dataset, e.g. a quoted view name. */
  relation: string;
  columns: ColumnInfo[];
  /** Already compiled; analyses append their own parameters after these. */
  where?: CompiledWhere;
  /** Runs one statement on DuckDB; rows as objects of JSON-safe values (COPY answers one row with its `Count`). */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  signal: AbortSignal;
  /** A step (0–100); `until` as in OpContext.progress. */
  progress(percent: number, message?: string, until?: number): void;
  /** The data owner's k: any aggregate cell computed from fewer than k rows is suppressed. */
  minGroupSize?: number;
  /** Dataset name, for reports. */
  dataset?: string;
  /** Set when the dataset has a policy: what analyses compute for the release gate besides their results. */
  disclosure?: {
    recordKey?: string; // SQL for a row's record key (cell-key noise): cells sum it as their cell key
    dominanceN?: number; // magnitudes also report the sum of their top n absolute values
  };
}

/** The parsed params of one kind of analysis (an op 300 task's params also carry `dataset`, which analyses ignore). */
export type SpecOf<K extends AnalysisKind> = Extract<AnalysisSpec, { analysis: K }>;
