// Runner views with liveness: online = a live socket here, or seen recently; busy = holds leased or running tasks.
import type { Presence } from '../context.ts';
import type { Db, RunnerRow } from '../db/schema.ts';
import { siteStatuses } from './sites.ts';
import { activeCounts } from '../queue/tasks.ts';
import { recentlySeen, runnerView, type SeenConfig } from './views.ts';

export async function runnerViews(db: Db, presence: Presence, seen: SeenConfig, rows: RunnerRow[], now = Date.now()) {
  const counts = await activeCounts(db, rows.length <= 500 ? rows.map((r) => r.id) : undefined);
  const sites = await siteStatuses(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) =>
    runnerView(r, {
      online: presence.has(r.id) || recentlySeen(r, seen, now),
      activeTasks: counts.get(r.id) ?? 0,
      sites: sites.get(r.id),
    }),
  );
}
