// Admins approve or reject a runner as a site of a dataset name it advertises (trust on first use, see store/sites.ts).
import type { Hono } from 'hono';
import { DatasetName, ROUTES, RunnerId, type SiteDecision } from '@simpul/protocol';
import { auditRequest } from '../audit/audit.ts';
import { notFound } from '../errors.ts';
import { getRunner } from '../store/runners.ts';
import { decideSite } from '../store/sites.ts';
import { requireUser } from './guards/caller.ts';
import type { Ctx, HubEnv } from './env.ts';
import { readParam } from './parse.ts';

async function decide(c: Ctx, status: 'approved' | 'rejected') {
  const admin = await requireUser(c, 'admin');
  const runnerId = readParam(c, 'runner_id', RunnerId);
  const dataset = readParam(c, 'dataset', DatasetName);
  const hub = c.get('hub');
  const runner = await getRunner(hub.db, runnerId);
  if (!runner) throw notFound(`no runner ${runnerId}`);
  const before = await decideSite(hub.db, runner.id, dataset, status, admin.user.id);
  if (before === undefined)
    throw notFound(`runner ${runner.id} (${runner.name}) has never advertised dataset "${dataset}"`);
  if (before !== status) {
    await auditRequest(c, {
      action: status === 'approved' ? 'site.approved' : 'site.rejected',
      target: { kind: 'runner', id: runner.id },
      details: { name: runner.name, dataset, before },
    });
    hub.log.info(`site ${status}`, { runner_id: runner.id, dataset, by: admin.user.username });
  }
  hub.events.runners([runner.id]);
  if (status === 'approved') hub.events.available({ runners: [runner.id], datasets: [] });
  const reply: SiteDecision = { runner_id: runner.id, dataset, site_status: status };
  return c.json(reply);
}

export function siteRoutes(app: Hono<HubEnv>): void {
  app.post(ROUTES.approveSite.path, (c) => decide(c, 'approved'));
  app.post(ROUTES.rejectSite.path, (c) => decide(c, 'rejected'));
}
