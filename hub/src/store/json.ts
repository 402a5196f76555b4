// JSON columns: written with JSON.stringify, read back through a zod schema (the database is an input too).
import type { z } from 'zod';

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Where a JSON value is stored: the table, the row's key and the column, for the error that names them. */
export interface StoredAt {
  table: string;
  id: string;
  column: string;
}

/** A JSON column that does not parse, or does not hold what its schema says: the database is corrupt (or was written
 *  by something else), and no default stands in for what was lost. */
export class StoredJsonError extends Error {
  constructor(
    readonly at: StoredAt,
    why: string,
  ) {
    super(`corrupt JSON in ${at.table}.${at.column} of row ${at.id}: ${why}`);
    this.name = 'StoredJsonError';
  }
}

/** The column's value read through `schema`; `fallback` only for SQL NULL. Throws StoredJsonError when the text is not
 *  JSON or not what `schema` accepts. */
export function fromJson<S extends z.ZodType>(
  text: string | null,
  schema: S,
  fallback: z.infer<S>,
  at: StoredAt,
): z.infer<S> {
  if (text === null) return fallback;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StoredJsonError(at, `not JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new StoredJsonError(at, `not the expected shape${path}: ${issue?.message ?? parsed.error.message}`);
  }
  return parsed.data;
}

/** Epoch ms as the API's ISO 8601 string. */
export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
