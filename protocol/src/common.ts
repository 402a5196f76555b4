// Small building blocks shared by the other schemas.
import { z } from 'zod';

export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'ids are letters, digits, _ and -');
export const TaskId = Id;
export type TaskId = z.infer<typeof TaskId>;
export const RunnerId = Id;
export type RunnerId = z.infer<typeof RunnerId>;

/** ISO 8601 timestamp in UTC, e.g. 2026-11-29T10:00:00.000Z. */
export const Timestamp = z.string();
export type Timestamp = z.infer<typeof Timestamp>;

/** Dataset names: what a runner's config calls a local dataset. */
export const DatasetName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.-]+$/, 'dataset names are letters, digits, _ . and -');
export type DatasetName = z.infer<typeof DatasetName>;

/** A column name as the dataset spells it; validated against the schema by the runner. */
export const ColumnName = z.string().min(1).max(256);
export type ColumnName = z.infer<typeof ColumnName>;

/** Coarse column kind, so that clients can fit operators and inputs to a column. */
export const ColumnKind = z.enum(['number', 'string', 'boolean', 'date', 'timestamp', 'other']);
export type ColumnKind = z.infer<typeof ColumnKind>;

export const ColumnInfo = z.object({
  name: ColumnName,
  type: z.string().max(256), // the engine's type name, e.g. BIGINT, DOUBLE, VARCHAR, DATE
  kind: ColumnKind,
});
export type ColumnInfo = z.infer<typeof ColumnInfo>;

export const Label = z.string().min(1).max(64);
