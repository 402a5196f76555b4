// Which runners a study asks: runners the analyst may use, approved sites of the dataset, and never a lone private site.
import type { StudyCreate } from '@simpul/protocol';
import { visibleRunners } from '../auth/runner-access.ts';
import type { Db, RunnerRow, UserRow } from '../db/schema.ts';
import { conflict, HubError, notFound } from '../errors.ts';
import { liveRunners, runnersByIds } from '../store/runners.ts';
import { siteStatuses } from '../store/sites.ts';
import { runnerDatasets } from '../store/views.ts';
import { withholdingSites } from './finish.ts';
import { checkStudyColumns } from './schemas.ts';

export type StudyUser = Pick<UserRow, 'id' | 'role'>;

const serves = (r: RunnerRow, dataset: string) => runnerDatasets(r).some((d) => d.name === dataset);

/**
 * The runners asked in round 1: the explicit list (each must exist, be usable by this user, not be revoked, and be an
 * approved site of the dataset), or every approved site of the dataset that this user may use. Each of the study's columns
 * must be at every site with one kind (`schema_mismatch` otherwise).
 */
export async function resolveSites(db: Db, req: StudyCreate, user: StudyUser | null): Promise<string[]> {
  let sites: RunnerRow[];
  if (req.runner_ids) {
    const ids = [...new Set(req.runner_ids)];
    const found = await runnersByIds(db, ids);
    const usable = new Set((user ? await visibleRunners(db, user, found) : found).map((r) => r.id));
    // A runner this user may not use looks exactly like one that does not exist (as for POST /tasks).
    const missing = ids.filter((id) => !usable.has(id));
    if (missing.length) throw notFound(`no runner ${missing.join(', ')}`);
    const byId = new Map(found.map((r) => [r.id, r]));
    sites = ids.map((id) => byId.get(id)!);
    const revoked = sites.filter((r) => r.revoked_at !== null).map((r) => r.id);
    if (revoked.length) throw conflict(`runner ${revoked.join(', ')} is revoked and takes no tasks`);
    const statuses = await siteStatuses(db, ids);
    const unapproved = sites.filter(
      (r) => serves(r, req.dataset) && (statuses.get(r.id)?.get(req.dataset) ?? 'approved') !== 'approved',
    );
    if (unapproved.length) {
      const names = unapproved.map((r) => `${r.name} (${r.id}): ${statuses.get(r.id)?.get(req.dataset)}`).join(', ');
      throw new HubError(
        'site_not_approved',
        409,
        `not an approved site of dataset "${req.dataset}": ${names}; an admin approves it first (POST /api/v1/runners/{id}/datasets/${req.dataset}/approve)`,
        {
          runner_ids: unapproved.map((r) => r.id),
        },
      );
    }
  } else {
    // By name: the order the study's tree and per-site breakdown list the sites in.
    const all = await liveRunners(db);
    const serving = all.filter((r) => serves(r, req.dataset));
    const statuses = await siteStatuses(
      db,
      serving.map((r) => r.id),
    );
    const approved = serving.filter((r) => (statuses.get(r.id)?.get(req.dataset) ?? 'approved') === 'approved');
    sites = user ? await visibleRunners(db, user, approved) : approved;
    if (sites.length === 0)
      throw conflict(
        `no runner that you may use serves dataset "${req.dataset}" as an approved site; start runners that serve it, or name runner_ids`,
      );
  }
  loneWithholdingSite(req.dataset, sites);
  checkStudyColumns(req, sites); // a column missing or of another kind at a site fails now, not in round 1
  return sites.map((r) => r.id);
}

/** With one site, the combined answer is that site's own numbers: refused when its policy keeps them private. */
function loneWithholdingSite(dataset: string, sites: RunnerRow[]): void {
  if (sites.length !== 1) return;
  const [only] = withholdingSites(
    dataset,
    sites.map((r) => r.id),
    new Map(sites.map((r) => [r.id, r])),
  );
  if (!only) return;
  const r = sites[0];
  throw new HubError(
    'policy_denied',
    409,
    `the policy of ${r.name} (${r.id}) for dataset "${dataset}" says site_breakdown: false, and a study of that one site would return its own figures as the combined result: add other sites`,
    { runner_id: r.id },
  );
}
