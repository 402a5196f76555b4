// Sites of a dataset name: the first runner that serves a name is its site; later ones wait for an admin's approval.
import type { SiteStatus } from '@simpul/protocol';
import type { Db } from '../db/schema.ts';
import { prepared } from '../db/prepared.ts';

export type SiteMode = 'first_use' | 'auto';

/**
 * Records the names a runner advertises that it had not advertised before. Under `first_use` a name that another
 * live (not revoked) runner is already an approved site of makes this runner a pending site; otherwise it is approved.
 * Returns the names that are pending for it now (new and old).
 */
export async function recordSites(
  db: Db,
  runnerId: string,
  names: string[],
  mode: SiteMode,
  now = Date.now(),
): Promise<string[]> {
  const wanted = [...new Set(names)];
  if (wanted.length === 0) return [];
  const known = await db
    .selectFrom('dataset_sites')
    .select(['dataset', 'status'])
    .where('runner_id', '=', runnerId)
    .execute();
  const had = new Set(known.map((k) => k.dataset));
  const fresh = wanted.filter((n) => !had.has(n));
  const pending = known.filter((k) => k.status === 'pending' && wanted.includes(k.dataset)).map((k) => k.dataset);
  if (fresh.length === 0) return pending;

  const taken = mode === 'auto' ? new Set<string>() : await approvedElsewhere(db, runnerId, fresh);
  const rows = fresh.map((dataset) => ({
    dataset,
    runner_id: runnerId,
    status: taken.has(dataset) ? ('pending' as const) : ('approved' as const),
    created_at: now,
    decided_at: null,
    decided_by: null,
  }));
  await db
    .insertInto('dataset_sites')
    .values(rows)
    .onConflict((oc) => oc.columns(['runner_id', 'dataset']).doNothing())
    .execute();

  // Two runners enrolling with a new name at the same moment may both have found it free: the older keeps it.
  if (mode === 'first_use') {
    const claimed = rows.filter((r) => r.status === 'approved').map((r) => r.dataset);
    const lost = claimed.length ? await approvedElsewhere(db, runnerId, claimed, now) : new Set<string>();
    if (lost.size) {
      await db
        .updateTable('dataset_sites')
        .set({ status: 'pending' })
        .where('runner_id', '=', runnerId)
        .where('dataset', 'in', [...lost])
        .where('decided_by', 'is', null)
        .execute();
    }
    for (const r of rows) if (r.status === 'pending' || lost.has(r.dataset)) pending.push(r.dataset);
  }
  return pending;
}

/** Names among `names` that another runner, not revoked, is an approved site of (created before `before`, when given). */
async function approvedElsewhere(db: Db, runnerId: string, names: string[], before?: number): Promise<Set<string>> {
  let q = db
    .selectFrom('dataset_sites as s')
    .innerJoin('runners as r', 'r.id', 's.runner_id')
    .select('s.dataset')
    .where('s.dataset', 'in', names)
    .where('s.status', '=', 'approved')
    .where('s.runner_id', '<>', runnerId)
    .where('r.revoked_at', 'is', null);
  if (before !== undefined)
    q = q.where((eb) =>
      eb.or([
        eb('s.created_at', '<', before),
        eb.and([eb('s.created_at', '=', before), eb('s.runner_id', '<', runnerId)]),
      ]),
    );
  const rows = await q.execute();
  return new Set(rows.map((r) => r.dataset));
}

/** Each runner's site status per dataset name. A name without a row counts as approved (runners from before 0900_sites). */
export async function siteStatuses(db: Db, runnerIds: string[]): Promise<Map<string, Map<string, SiteStatus>>> {
  const out = new Map<string, Map<string, SiteStatus>>();
  if (runnerIds.length === 0) return out;
  for (let i = 0; i < runnerIds.length; i += 500) {
    const rows = await db
      .selectFrom('dataset_sites')
      .select(['runner_id', 'dataset', 'status'])
      .where('runner_id', 'in', runnerIds.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      let m = out.get(r.runner_id);
      if (!m) out.set(r.runner_id, (m = new Map()));
      m.set(r.dataset, r.status);
    }
  }
  return out;
}

export async function siteStatus(db: Db, runnerId: string, dataset: string): Promise<SiteStatus | undefined> {
  const row = await db
    .selectFrom('dataset_sites')
    .select('status')
    .where('runner_id', '=', runnerId)
    .where('dataset', '=', dataset)
    .executeTakeFirst();
  return row?.status;
}

/** An admin's decision. Returns the previous status, or undefined when the runner never advertised the name. */
export async function decideSite(
  db: Db,
  runnerId: string,
  dataset: string,
  status: 'approved' | 'rejected',
  by: string,
  now = Date.now(),
): Promise<SiteStatus | undefined> {
  const before = await siteStatus(db, runnerId, dataset);
  if (before === undefined) return undefined;
  await db
    .updateTable('dataset_sites')
    .set({ status, decided_at: now, decided_by: by })
    .where('runner_id', '=', runnerId)
    .where('dataset', '=', dataset)
    .execute();
  return before;
}

/**
 * A runner's standing for a claim (`queue/claim.ts`), read once per claim in one statement: no rows when it is revoked
 * or unknown; else whether it is shared (one that is not takes only its users' tasks, `auth/runner-access.ts`), and in
 * `unapproved` each name it serves without being that name's approved site (one row each, or one null row): untargeted
 * work of a name goes only to its approved sites, while a pending or rejected runner still takes tasks that name it.
 */
export const claimStanding = prepared((db: Db, runnerId: string) =>
  db
    .selectFrom('runners as r')
    .leftJoin('dataset_sites as ds', (j) => j.onRef('ds.runner_id', '=', 'r.id').on('ds.status', '<>', 'approved'))
    .select(['r.shared', 'ds.dataset as unapproved'])
    .where('r.id', '=', runnerId)
    .where('r.revoked_at', 'is', null),
);
