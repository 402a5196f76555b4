// Disclosure control: the data owner's release rules as a policy states them, and what a released result says was withheld.
import { z } from 'zod';

/** How counts leave a runner: as they are, rounded to a base, or perturbed by cell-key noise (the same cell, the same noise). */
export const CountRule = z.enum(['exact', 'round', 'cell_key']);
export type CountRule = z.infer<typeof CountRule>;

/** A cell whose top `n` contributors make more than `percent` of its sum is withheld (the (n, k) dominance rule). */
export const DominanceRule = z
  .object({ n: z.number().int().min(1).max(10), percent: z.number().gt(0).max(100) })
  .strict();
export type DominanceRule = z.infer<typeof DominanceRule>;

/** `auto` sends results at once; `review` holds every result for the data owner; `{ review: [ops] }` holds those ops'. */
export const ReleaseRule = z.union([
  z.enum(['auto', 'review']),
  z
    .object({ review: z.array(z.union([z.literal(100), z.literal(200), z.literal(300), z.literal(400)])).min(1) })
    .strict(),
]);
export type ReleaseRule = z.infer<typeof ReleaseRule>;

/** A duration: seconds, or text such as `90s`, `30m`, `12h`, `7d`. */
export const Duration = z.union([
  z.number().int().min(1),
  z.string().regex(/^\d+\s*[smhd]$/, 'a duration such as 90s, 30m, 12h or 7d'),
]);
export type Duration = z.infer<typeof Duration>;

/** Seconds in a Duration. */
export function durationSeconds(d: Duration): number {
  if (typeof d === 'number') return d;
  const n = Number.parseInt(d, 10);
  const unit = d.trim().slice(-1);
  return n * (unit === 'd' ? 86_400 : unit === 'h' ? 3600 : unit === 'm' ? 60 : 1);
}

/** Rules that a gate names in `disclosure.rules_applied`. */
export const DisclosureRuleName = z.enum([
  'min_group_size', // a statistic from fewer than k rows was withheld
  'query_set_size', // (checked; a task that fails it does not succeed)
  'secondary_suppression', // a further cell withheld so that none follows by subtraction
  'row_level', // row-level values (min/max, residual extremes, points) withheld
  'round', // counts rounded to a base
  'cell_key', // counts perturbed by cell-key noise
  'dominance', // a magnitude withheld: a few rows made most of it
  'max_rows', // rows cut to the per-task cap
  'max_rows_per_day', // rows cut to what is left of the analyst's daily budget
  'review', // held until the data owner approved it
]);
export type DisclosureRuleName = z.infer<typeof DisclosureRuleName>;

/** What the runner's release gate withheld or changed in a result, so that a smaller answer can be explained. */
export const Disclosure = z.object({
  rules_applied: z.array(DisclosureRuleName),
  suppressed_cells: z.number().int().min(0), // statistics, groups or bins withheld
  suppressed_rows: z.number().int().min(0).optional(), // rows in withheld groups (rounded)
  rounded: z.boolean(), // counts are rounded or perturbed, not exact
  round_base: z.number().int().min(1).optional(),
  noise_bound: z.number().int().min(0).optional(), // cell-key noise moves a count by at most this much
  held_for_review: z.boolean().optional(), // released after the data owner approved it
  notes: z.array(z.string().max(500)).max(50).optional(), // one sentence per rule, for people
});
export type Disclosure = z.infer<typeof Disclosure>;
