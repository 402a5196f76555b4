// What a runner's release gate withheld or changed in a result, in words: the note result views and reports show.
import type { Disclosure } from '../disclosure.ts';

/** What the result view knows besides `disclosure`: a group_by result's own counts, and k when the policy is known. */
export interface DisclosureContext {
  groups?: number; // group_by: groups withheld (result.suppressed_groups), keys included
  rows?: number; // rows in them (result.suppressed_rows, rounded by the runner)
  k?: number; // the dataset's min_group_size, when the page knows the policy
}

export interface DisclosureNote {
  lines: string[]; // one short statement per rule that acted, for people
  notes: string[]; // the runner's own sentences, as sent
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** Whether the gate did anything worth telling: a rule acted, or the result waited for the owner's review. */
export function disclosed(d: Disclosure | undefined | null): d is Disclosure {
  return !!d && (d.rules_applied.length > 0 || d.held_for_review === true);
}

/**
 * The note for a result: nothing (empty lines and notes) when there is no `disclosure` or no rule acted. Otherwise a
 * line per rule, most telling first: what was withheld, how counts were changed, what was cut, whether it was reviewed.
 */
export function disclosureNote(d: Disclosure | undefined | null, ctx: DisclosureContext = {}): DisclosureNote {
  if (!disclosed(d)) return { lines: [], notes: [] };
  const rules = new Set(d.rules_applied);
  const lines: string[] = [];
  const small = ctx.k ? `fewer than ${ctx.k} rows each` : "fewer rows than the data owner's minimum group size";
  const secondary = rules.has('secondary_suppression');

  const groups = ctx.groups ?? 0;
  if (groups > 0) {
    const rows = ctx.rows ?? d.suppressed_rows;
    const head = `${plural(groups, 'group')}${rows !== undefined ? ` (about ${plural(rows, 'row')})` : ''} withheld, keys included`;
    if (secondary && groups > 1)
      lines.push(
        `${head}: ${plural(groups - 1, 'group')} with ${ctx.k ? `fewer than ${ctx.k} rows` : 'too few rows'}, and 1 more so that ${groups === 2 ? 'it' : 'they'} cannot be worked out from the total`,
      );
    else lines.push(`${head}: ${small}`);
  } else if (d.suppressed_cells > 0) {
    const why = [
      rules.has('min_group_size') ? (ctx.k ? `from fewer than ${ctx.k} rows` : 'from too few rows') : null,
      secondary ? 'or so that a withheld one cannot be worked out from a total' : null,
      rules.has('dominance') ? 'or dominated by a few rows' : null,
    ].filter((s): s is string => s !== null);
    lines.push(
      `${plural(d.suppressed_cells, 'statistic')} withheld${why.length ? `: ${why.join(' ').replace(/^or /, '')}` : ''}`,
    );
  } else if (rules.has('min_group_size') && !rules.has('row_level')) {
    lines.push(
      ctx.k
        ? `checked: every statistic comes from at least ${ctx.k} rows`
        : "checked: every statistic comes from at least the data owner's minimum group size",
    );
  }
  if (rules.has('dominance') && groups > 0)
    lines.push('sums and means withheld where a few rows make up most of the total');
  if (rules.has('row_level')) lines.push('row-level values withheld (minimum, maximum, single points)');
  if (rules.has('round'))
    lines.push(d.round_base ? `counts rounded to multiples of ${d.round_base}` : 'counts rounded');
  if (rules.has('cell_key'))
    lines.push(
      `counts perturbed by at most ±${d.noise_bound ?? 2} (cell-key noise: the same query always gets the same noise)`,
    );
  if (rules.has('max_rows')) lines.push("rows cut to the data owner's per-task cap");
  if (rules.has('max_rows_per_day')) lines.push('rows cut to what is left of the daily row budget');
  if (d.held_for_review || rules.has('review')) lines.push("released after the data owner's review");
  return { lines, notes: [...new Set(d.notes ?? [])] };
}

/** The whole note as one sentence-per-line text, e.g. for a tooltip or a test. */
export function disclosureText(d: Disclosure | undefined | null, ctx: DisclosureContext = {}): string {
  const { lines, notes } = disclosureNote(d, ctx);
  return [...lines, ...notes].join('\n');
}
