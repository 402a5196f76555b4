// Combining sites' group cells (counts, non-null counts and sums) into group_by counts, sums and means.
import {
  FederatedError,
  type GroupCell,
  type GroupsPartial,
  type SitePartial,
  type StudyAggregate,
  type StudySpecOf,
} from '../federated.ts';
import type { GroupByStudyResult, StudyGroup } from '../federated-results.ts';

type Key = (string | number | boolean | null)[];

/** The value columns a group_by study needs from every site: each aggregate's column, once, in order of first use. */
export function groupValueColumns(spec: Pick<StudySpecOf<'group_by'>, 'aggregates'>): string[] {
  return [...new Set(spec.aggregates.flatMap((a) => (a.column === undefined ? [] : [a.column])))];
}

const label = (a: StudyAggregate): string => (a.column === undefined ? a.fn : `${a.fn}(${a.column})`);

/** Aggregates of one cell from its row count and, per value column, its non-null count and sum. */
function aggregateValues(
  aggs: StudyAggregate[],
  columns: string[],
  count: number,
  n: number[],
  sums: number[],
): (number | null)[] {
  return aggs.map((a) => {
    if (a.column === undefined) return count;
    const j = columns.indexOf(a.column);
    if (a.fn === 'count') return n[j];
    if (n[j] === 0) return null; // like SQL: the sum and mean of no values are NULL
    return a.fn === 'sum' ? sums[j] : sums[j] / n[j];
  });
}

const RANK = { boolean: 0, number: 1, string: 2 } as const;

/** Key order: element by element, nulls last (as the single-site group_by sorts). */
export function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    const tx = RANK[typeof x as keyof typeof RANK];
    const ty = RANK[typeof y as keyof typeof RANK];
    if (tx !== ty) return tx - ty;
    return x < y ? -1 : 1;
  }
  return 0;
}

interface Acc {
  key: Key;
  count: number;
  n: number[];
  sums: number[];
  suppressedAt: string[];
}

export function combineGroups(spec: StudySpecOf<'group_by'>, parts: SitePartial<GroupsPartial>[]): GroupByStudyResult {
  const columns = groupValueColumns(spec);
  const cells = new Map<string, Acc>();
  // Groups a site withheld without their keys (its release gate's rule): they cannot be matched, only counted.
  const keyless: { site: string; groups: number; rows?: number }[] = [];
  for (const { site, partial } of parts) {
    if (partial.suppressed_groups)
      keyless.push({
        site,
        groups: partial.suppressed_groups,
        ...(partial.suppressed_rows !== undefined ? { rows: partial.suppressed_rows } : {}),
      });
    const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    if (!same(partial.group_by, spec.group_by) || !same(partial.columns, columns)) {
      throw new FederatedError(
        'conflict',
        `site ${site} grouped by other columns than the study asked; it did not answer this round`,
      );
    }
    for (const cell of partial.groups) {
      const id = JSON.stringify(cell.key);
      let acc = cells.get(id);
      if (!acc)
        cells.set(
          id,
          (acc = { key: cell.key, count: 0, n: columns.map(() => 0), sums: columns.map(() => 0), suppressedAt: [] }),
        );
      if (cell.suppressed || cell.count === null) {
        acc.suppressedAt.push(site);
        continue;
      }
      acc.count += cell.count;
      columns.forEach((_, j) => {
        acc.n[j] += cell.n[j] ?? 0;
        acc.sums[j] += cell.sums[j] ?? 0;
      });
    }
  }
  const groups: StudyGroup[] = [...cells.values()]
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((g) => {
      const suppressed = g.suppressedAt.length > 0;
      return {
        key: g.key,
        count: suppressed ? null : g.count,
        values: suppressed
          ? spec.aggregates.map(() => null)
          : aggregateValues(spec.aggregates, columns, g.count, g.n, g.sums),
        suppressed,
        suppressed_at: g.suppressedAt,
      };
    });
  const hidden = groups.filter((g) => g.suppressed);
  const who = [...new Set(hidden.flatMap((g) => g.suppressed_at))];
  const siteValues = (cell: GroupCell) =>
    cell.suppressed || cell.count === null
      ? spec.aggregates.map(() => null)
      : aggregateValues(
          spec.aggregates,
          columns,
          cell.count,
          cell.n.map((v) => v ?? 0),
          cell.sums.map((v) => v ?? 0),
        );
  const warnings = [
    ...(hidden.length
      ? [
          `${hidden.length} group(s) suppressed: ${who.join(', ')} held fewer rows in them than their minimum group size`,
        ]
      : []),
    ...keyless.map(
      (w) =>
        `${w.site} withheld ${w.groups} group(s) of fewer rows than its minimum group size${w.rows !== undefined ? ` (about ${w.rows} rows)` : ''}, keys included: the combined counts, sums and means leave those rows out`,
    ),
  ];
  return {
    analysis: 'group_by',
    rows_used: parts.reduce((s, p) => s + p.partial.rows, 0),
    sites: parts.map((p) => p.site),
    ...(warnings.length ? { warnings } : {}),
    group_by: spec.group_by,
    aggregates: spec.aggregates.map((a) => ({
      name: label(a),
      fn: a.fn,
      ...(a.column === undefined ? {} : { column: a.column }),
    })),
    groups,
    total_groups: groups.length,
    suppressed_groups: hidden.length + keyless.reduce((s, w) => s + w.groups, 0),
    per_site: parts.map(({ site, partial }) => ({
      site,
      rows: partial.rows,
      groups: partial.groups.map((cell) => ({
        key: cell.key,
        count: cell.count,
        values: siteValues(cell),
        suppressed: cell.suppressed,
      })),
    })),
  };
}
