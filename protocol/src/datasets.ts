// A dataset name as served across sites: which runners serve it, and how their columns compare, column by column.
import { z } from 'zod';
import { ColumnKind, ColumnName, DatasetName, RunnerId } from './common.ts';
import { SiteStatus } from './runners.ts';

/** One runner serving the dataset name, as the caller may see it. */
export const DatasetSite = z.object({
  runner_id: RunnerId,
  name: z.string(),
  site_status: SiteStatus,
  row_count: z.number().int().min(0).nullable(),
  error: z.string().nullable(), // set when the runner could not open its dataset (its columns are then unknown)
});
export type DatasetSite = z.infer<typeof DatasetSite>;

/** One column at one site: absent, or its kind and the engine's type name. */
export const ColumnAtSite = z.object({
  runner_id: RunnerId,
  present: z.boolean(),
  kind: ColumnKind.nullable(),
  type: z.string().nullable(),
});
export type ColumnAtSite = z.infer<typeof ColumnAtSite>;

/** One column name across the sites, in the order of `sites`. Sites whose dataset did not open are left out of the flags. */
export const ColumnComparison = z.object({
  name: ColumnName,
  sites: z.array(ColumnAtSite),
  present_everywhere: z.boolean(),
  same_kind: z.boolean(), // every site that has it gives it the same kind
  same_type: z.boolean(), // … and the same type name
});
export type ColumnComparison = z.infer<typeof ColumnComparison>;

/** `GET /api/v1/datasets/{name}`. */
export const DatasetView = z.object({
  name: DatasetName,
  sites: z.array(DatasetSite), // by runner name
  columns: z.array(ColumnComparison), // in the order the first site lists them, then the others' own
  consistent: z.boolean(), // every column present everywhere with the same kind
});
export type DatasetView = z.infer<typeof DatasetView>;

/** A column's kind in words, for messages: "a number", "text", … */
export const kindInWords = (k: ColumnKind): string =>
  ({
    number: 'a number',
    string: 'text',
    boolean: 'a boolean',
    date: 'a date',
    timestamp: 'a timestamp',
    other: 'of another type',
  })[k];

interface SiteColumns {
  runner_id: string;
  columns: { name: string; type: string; kind: ColumnKind }[] | null; // null: unknown (the dataset did not open)
}

/** The column-by-column comparison of several sites' schemas of one dataset. */
export function compareColumns(sites: SiteColumns[]): ColumnComparison[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const s of sites) for (const c of s.columns ?? []) if (!seen.has(c.name)) seen.add(c.name), names.push(c.name);
  const known = sites.filter((s) => s.columns !== null);
  return names.map((name) => {
    const at = sites.map((s) => {
      const c = s.columns?.find((x) => x.name === name);
      return { runner_id: s.runner_id, present: c !== undefined, kind: c?.kind ?? null, type: c?.type ?? null };
    });
    const have = at.filter((a) => a.present);
    return {
      name,
      sites: at,
      present_everywhere: known.every((s) => s.columns!.some((c) => c.name === name)),
      same_kind: new Set(have.map((a) => a.kind)).size <= 1,
      same_type: new Set(have.map((a) => a.type)).size <= 1,
    };
  });
}
