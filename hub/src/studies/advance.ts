// One step of a study's state machine: judge the round in flight, then wait, fail, start the next round, or finish.
// Safe to run any number of times, from task events or the periodic sweep, on any hub: every change is guarded.
import {
  FederatedError,
  advanceStudy,
  requirementMet,
  type ErrorInfo,
  type SitePartial,
  type StudyPlan,
} from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import type { Db, RunnerRow } from '../db/schema.ts';
import { getTasks } from '../queue/tasks.ts';
import { abandonOpen, dropSubTask } from './cancel.ts';
import { insertRound, roundRows } from './fan-out.ts';
import { finalResult, withholdingSites, type Departure } from './finish.ts';
import { offlineReason, outcomeOf, partialOf, queuedTooLong, type Judged } from './judge.ts';
import {
  endStudy,
  getStudy,
  markLink,
  moveToRound,
  runnerMap,
  studyData,
  studyLinks,
  type StudyData,
  type StudyRow,
} from './store.ts';
import { hintFor } from '../queue/notifier.ts';
import { limitsOf } from '../auth/limits.ts';
import { withInference } from './inference.ts';

type Ctx = Pick<HubContext, 'db' | 'config' | 'events' | 'log' | 'presence'>;

const label = (runners: Map<string, RunnerRow>, id: string) =>
  runners.get(id) ? `${runners.get(id)!.name} (${id})` : id;

/** Why a round cannot be met, naming every runner that did not deliver. */
function shortfall(row: StudyRow, data: StudyData, judged: Judged[], runners: Map<string, RunnerRow>): ErrorInfo {
  const total = data.sites.length;
  const delivered = judged.filter((j) => j.outcome === 'delivered').length;
  const pending = judged.filter((j) => j.outcome === 'pending').length;
  const req = data.request.require;
  const need = req === 'all' ? `all ${total}` : req === 'quorum' ? `more than half of ${total}` : 'at least one';
  const missing = judged.filter((j) => j.outcome === 'failed' || j.outcome === 'offline');
  const why = missing.map(
    (j) => `${label(runners, j.link.runner_id)}: ${j.error ? `${j.error.code}: ${j.error.message}` : j.outcome}`,
  );
  return {
    code: 'op_failed',
    message: `round ${row.round}: ${delivered} of ${total} runners delivered${pending ? `, ${pending} still pending` : ''}; require "${req}" needs ${need}. ${why.join('; ')}`,
    details: {
      round: row.round,
      require: req,
      sites: judged.map((j) => ({ runner_id: j.link.runner_id, outcome: j.outcome, error: j.error })),
    },
  };
}

async function fail(ctx: Ctx, row: StudyRow, error: ErrorInfo, now: number): Promise<boolean> {
  if (!(await endStudy(ctx.db, row.id, { status: 'failed', error }, now, row.round))) return false;
  await abandonOpen(ctx, row.id, `study ${row.id} failed`);
  ctx.log.info('study failed', { study_id: row.id, round: row.round, code: error.code, message: error.message });
  return true;
}

async function nextRound(
  ctx: Ctx,
  row: StudyRow,
  data: StudyData,
  plan: Extract<StudyPlan, { status: 'round' }>,
  sites: string[],
  now: number,
): Promise<boolean> {
  const rows = roundRows(ctx, row.id, data.request, plan.params, sites, row.created_by, now);
  // Each sub-task counts toward the analyst's tasks per minute (charged, never refused: the study is under way).
  if (row.created_by) limitsOf(ctx).tasks.charge(row.created_by, rows.tasks.length);
  const moved = await ctx.db.transaction().execute(async (trx) => {
    if (!(await moveToRound(trx, row.id, row.round, plan.state, now))) return false;
    await insertRound(trx, rows);
    return true;
  });
  if (moved) {
    ctx.log.debug('study round', {
      study_id: row.id,
      round: plan.state.round,
      step: plan.state.step,
      runners: sites.length,
    });
    ctx.events.tasks(rows.tasks.map((t) => t.id));
    ctx.events.available(hintFor(rows.tasks));
  }
  return moved;
}

/** The runners asked in round 1 that are not among the final round's sites, with the round and reason they left. */
async function departures(db: Db, studyId: string, sites: string[], kept: Set<string>): Promise<Departure[]> {
  const gone = sites.filter((s) => !kept.has(s));
  if (gone.length === 0) return [];
  const links = (await studyLinks(db, studyId)).filter((l) => gone.includes(l.runner_id));
  const tasks = new Map(
    (
      await getTasks(
        db,
        links.map((l) => l.task_id),
      )
    ).map((t) => [t.id, t]),
  );
  return gone.map((runnerId) => {
    const missed = links
      .filter((l) => l.runner_id === runnerId)
      .map((l) => outcomeOf(l, tasks.get(l.task_id)))
      .find((j) => j.outcome === 'failed' || j.outcome === 'offline');
    return { runnerId, round: missed?.link.round ?? 1, error: missed?.error ?? null };
  });
}

function loneSiteError(runners: Map<string, RunnerRow>, site: string): ErrorInfo {
  return {
    code: 'policy_denied',
    message: `only ${label(runners, site)} delivered, and its policy says site_breakdown: false: the combined result would be its own figures, so the study returns none`,
    details: { runner_id: site },
  };
}

/** Moves the study on if it can; true when anything changed. */
export async function stepStudy(ctx: Ctx, id: string, now = Date.now()): Promise<boolean> {
  const row = await getStudy(ctx.db, id);
  if (row?.status !== 'running') return false;
  const data = studyData(row);
  if (!data)
    return fail(ctx, row, { code: 'internal', message: 'the stored study no longer parses; it cannot go on' }, now);

  const order = (runnerId: string) => data.sites.indexOf(runnerId);
  // In the study's order of sites, so that results list the sites as the study does.
  const links = (await studyLinks(ctx.db, id, row.round)).sort((x, y) => order(x.runner_id) - order(y.runner_id));
  const tasks = new Map(
    (
      await getTasks(
        ctx.db,
        links.map((l) => l.task_id),
      )
    ).map((t) => [t.id, t]),
  );
  const runners = await runnerMap(ctx.db, data.sites);
  const live = {
    now,
    offlineMs: ctx.config.studyOfflineS * 1000,
    socketSeenLagMs: ctx.config.lastSeenWriteS * 1000,
    connected: (r: string) => ctx.presence.has(r),
  };
  let changed = false;
  const judged: Judged[] = [];
  const parts: SitePartial[] = [];
  for (const link of links) {
    let j = outcomeOf(link, tasks.get(link.task_id));
    if (j.outcome === 'pending') {
      const late = queuedTooLong(j.task, now);
      const reason = late ? null : offlineReason(runners.get(link.runner_id), link.runner_id, live);
      if (late) {
        await dropSubTask(ctx, link.task_id, 'failed', late, `study ${id}`);
        j = { ...j, outcome: 'failed', error: late };
        changed = true;
      } else if (reason) {
        await dropSubTask(ctx, link.task_id, 'offline', reason, `study ${id}`);
        ctx.log.info('study stopped waiting for a runner', {
          study_id: id,
          round: row.round,
          runner_id: link.runner_id,
        });
        j = { ...j, outcome: 'offline', error: reason };
        changed = true;
      }
    } else if (j.outcome === 'delivered' && j.task) {
      const got = partialOf(j.task, runners.get(link.runner_id));
      if ('error' in got) {
        await markLink(ctx.db, link.task_id, 'failed', got.error);
        j = { ...j, outcome: 'failed', error: got.error };
        changed = true;
      } else parts.push({ site: link.runner_id, partial: got.partial });
    }
    judged.push(j);
  }

  const total = data.sites.length;
  const pending = judged.filter((j) => j.outcome === 'pending').length;
  // Fail as soon as the requirement cannot be met any more, without waiting for the rest.
  if (!requirementMet(data.request.require, total, parts.length + pending))
    return (await fail(ctx, row, shortfall(row, data, judged, runners), now)) || changed;
  if (pending > 0) return changed;

  let state = data.state;
  // A site left mid-fit: the others' likelihood is another function, so Newton restarts from the current point.
  if (state.logistic && parts.length < links.length)
    state = { ...state, logistic: { ...state.logistic, base: null, finishing: false } };
  let plan: StudyPlan;
  try {
    plan = advanceStudy(id, data.request, state, parts);
  } catch (e) {
    if (!(e instanceof FederatedError)) throw e;
    return fail(ctx, row, { code: e.code, message: `round ${row.round}: ${e.message}` }, now);
  }
  if (plan.status === 'round')
    return nextRound(
      ctx,
      row,
      data,
      plan,
      parts.map((p) => p.site),
      now,
    );

  // The others left: a combined answer of one site whose policy keeps its own figures private would be those figures.
  const lone = parts.length === 1 ? withholdingSites(row.dataset, [parts[0].site], runners)[0] : undefined;
  if (lone) return fail(ctx, row, loneSiteError(runners, lone), now);
  const departed = await departures(ctx.db, id, data.sites, new Set(parts.map((p) => p.site)));
  const { result, withheldBy } = finalResult(withInference(plan.result), row.dataset, departed, runners);
  const done = await endStudy(ctx.db, id, { status: 'succeeded', result, withheldBy }, now, row.round);
  if (done) ctx.log.info('study succeeded', { study_id: id, rounds: row.round, sites: parts.length });
  return done;
}
