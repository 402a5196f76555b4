// A task for a dataset that no runner serves is still queued (a runner may come and serve it), but whoever created it is
// told so in the reply's `warnings`, with the names they may have meant: a typo should not wait in silence.
import { closeNames, type TaskCreate } from '@simpul/protocol';
import type { Db, UserRow } from '../db/schema.ts';
import { visibleRunners } from '../auth/runner-access.ts';
import { liveRunnerDatasets } from '../store/runners.ts';
import { runnerDatasets } from '../store/views.ts';

type User = Pick<UserRow, 'id' | 'role'>;
interface Server {
  id: string;
  shared: number;
}

/** A dataset found served is believed for this long before the database is asked again (runners change their lists). */
const SERVED_TTL_MS = 30_000;
const served = new WeakMap<Db, Map<string, { servers: Server[]; at: number }>>();

/** The runners (not revoked) that advertise `name`: from the cache, or from the database when it is not there or old. */
async function serversOf(db: Db, name: string, now: number): Promise<Server[]> {
  let cache = served.get(db);
  if (!cache) served.set(db, (cache = new Map()));
  const hit = cache.get(name);
  if (hit && now - hit.at < SERVED_TTL_MS) return hit.servers;
  // The text match narrows the rows (datasets are stored as JSON text); each candidate's list is then read properly.
  const rows = await liveRunnerDatasets(db, `%"name":"${name}"%`);
  const servers = rows
    .filter((r) => runnerDatasets(r).some((d) => d.name === name))
    .map((r) => ({ id: r.id, shared: r.shared }));
  if (servers.length) cache.set(name, { servers, at: now });
  else cache.delete(name);
  return servers;
}

/** Names of datasets this user's runners serve that look like `name` (a typo, another case). */
async function servedNamesLike(db: Db, user: User, name: string): Promise<string[]> {
  const rows = await liveRunnerDatasets(db);
  const names = new Set((await visibleRunners(db, user, rows)).flatMap((r) => runnerDatasets(r).map((d) => d.name)));
  return closeNames(name, [...names], 3);
}

/** What to tell the creator of each task (undefined: nothing): no runner they may use serves its dataset. */
export async function datasetWarnings(
  db: Db,
  user: User,
  inputs: TaskCreate[],
  now = Date.now(),
): Promise<(string[] | undefined)[]> {
  const byDataset = new Map<string, Server[]>();
  for (const t of inputs)
    if (!byDataset.has(t.params.dataset)) byDataset.set(t.params.dataset, await serversOf(db, t.params.dataset, now));
  // A runner that is not shared serves only the users it was given to.
  const usable = new Map<string, Set<string>>();
  for (const [name, servers] of byDataset)
    usable.set(name, new Set((await visibleRunners(db, user, servers)).map((s) => s.id)));
  const notes = new Map<string, string>();
  const out: (string[] | undefined)[] = [];
  for (const t of inputs) {
    const name = t.params.dataset;
    const ids = usable.get(name)!;
    if (t.runner_id !== undefined ? ids.has(t.runner_id) : ids.size > 0) {
      out.push(undefined);
      continue;
    }
    const key = `${t.runner_id ?? ''}\u0000${name}`;
    if (!notes.has(key)) {
      const close = (await servedNamesLike(db, user, name)).filter((n) => n !== name);
      const who =
        t.runner_id !== undefined
          ? `runner ${t.runner_id} does not serve dataset "${name}"`
          : `no runner serves dataset "${name}"`;
      const hint = close.length ? `; did you mean ${close.map((n) => `"${n}"`).join(' or ')}?` : '';
      notes.set(
        key,
        `${who}: the task waits in the queue until ${t.runner_id !== undefined ? 'it does' : 'one does'} (or is canceled)${hint}`,
      );
    }
    out.push([notes.get(key)!]);
  }
  return out;
}
