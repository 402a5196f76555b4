// A dataset's schemas across its sites: the column-by-column comparison users see, and the check that a study's columns
// exist with one kind at every site it asks, before round 1 is sent.
import {
  compareColumns,
  filterColumns,
  kindInWords,
  type ColumnInfo,
  type DatasetView,
  type StudyCreate,
} from '@simpul/protocol';
import { visibleRunners } from '../auth/runner-access.ts';
import type { Db, RunnerRow, UserRow } from '../db/schema.ts';
import { HubError, notFound } from '../errors.ts';
import { liveRunners } from '../store/runners.ts';
import { siteStatuses } from '../store/sites.ts';
import { runnerDatasets } from '../store/views.ts';

/** The runner's advertised columns of the dataset; null when it does not serve it or could not open it (no schema to judge). */
function columnsAt(r: RunnerRow, dataset: string): ColumnInfo[] | null {
  const d = runnerDatasets(r).find((x) => x.name === dataset);
  return !d || d.error !== undefined ? null : d.columns;
}

/** `GET /api/v1/datasets/{name}`: the runners (not revoked) this user may use that serve the name, and their columns compared. */
export async function datasetView(db: Db, user: Pick<UserRow, 'id' | 'role'>, dataset: string): Promise<DatasetView> {
  const all = await liveRunners(db);
  const serving = await visibleRunners(
    db,
    user,
    all.filter((r) => runnerDatasets(r).some((d) => d.name === dataset)),
  );
  if (serving.length === 0) throw notFound(`no runner that you may use serves dataset "${dataset}"`);
  const statuses = await siteStatuses(
    db,
    serving.map((r) => r.id),
  );
  const sites = serving.map((r) => {
    const d = runnerDatasets(r).find((x) => x.name === dataset)!;
    return {
      runner_id: r.id,
      name: r.name,
      site_status: statuses.get(r.id)?.get(dataset) ?? 'approved',
      row_count: d.row_count,
      error: d.error ?? null,
    };
  });
  const columns = compareColumns(serving.map((r) => ({ runner_id: r.id, columns: columnsAt(r, dataset) })));
  return { name: dataset, sites, columns, consistent: columns.every((c) => c.present_everywhere && c.same_kind) };
}

/** Every column a study names: its columns, group_by, target, features, aggregate columns and the columns of its where. */
export function studyColumns(req: StudyCreate): string[] {
  const names: string[] = [];
  switch (req.analysis) {
    case 'summary':
    case 'histogram':
    case 'correlation':
      names.push(...req.columns);
      break;
    case 'group_by':
      names.push(...req.group_by, ...req.aggregates.flatMap((a) => (a.column === undefined ? [] : [a.column])));
      break;
    case 'linear_regression':
    case 'logistic_regression':
      names.push(req.target, ...req.features);
      break;
  }
  if (req.where) names.push(...filterColumns(req.where));
  return [...new Set(names)];
}

/**
 * Refuses (409 `schema_mismatch`) a study one of whose columns is missing at a site, or of one kind at one site and
 * another kind at another. Sites whose dataset did not open, or that advertise no columns, are not judged here.
 */
export function checkStudyColumns(req: StudyCreate, sites: RunnerRow[]): void {
  const judged = sites
    .map((r) => ({ r, columns: columnsAt(r, req.dataset) }))
    .filter((s) => s.columns !== null && s.columns.length > 0);
  for (const name of studyColumns(req)) {
    let first: { site: string; kind: ColumnInfo['kind'] } | undefined;
    for (const { r, columns } of judged) {
      const c = columns!.find((x) => x.name === name);
      if (!c) {
        throw new HubError(
          'schema_mismatch',
          409,
          `column "${name}" is missing at site "${r.name}" (dataset "${req.dataset}"); map a local column to it in that runner's config (columns: { ${name}: { from: … } }) or leave the site out with runner_ids`,
          {
            column: name,
            runner_id: r.id,
            runner_name: r.name,
          },
        );
      }
      if (!first) first = { site: r.name, kind: c.kind };
      else if (c.kind !== first.kind) {
        throw new HubError(
          'schema_mismatch',
          409,
          `column "${name}" is ${kindInWords(c.kind)} at site "${r.name}" but ${kindInWords(first.kind)} at "${first.site}" (dataset "${req.dataset}")`,
          {
            column: name,
            runner_id: r.id,
            runner_name: r.name,
          },
        );
      }
    }
  }
}
