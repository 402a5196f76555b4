// JSON columns: written with JSON.stringify, read back through a zod schema (the database is an input too).
import type { z } from 'zod';

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<S extends z.ZodType>(text: string | null, schema: S, fallback: z.infer<S>): z.infer<S> {
  if (text === null) return fallback;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fallback;
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : fallback;
}

/** Epoch ms as the API's ISO 8601 string. */
export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
