// Fan-out: which runners take part in a study, and one ordinary op 300 sub-task per runner for each round.
import {
  FederatedError,
  startStudy,
  type FederatedRoundParams,
  type StudyCreate,
  type StudyPlan,
  type StudyCreated,
  type TaskCreate,
} from '@simpul/protocol';
import { newId } from '../auth/tokens.ts';
import type { HubContext } from '../context.ts';
import type { Db, TaskRow } from '../db/schema.ts';
import { HubError } from '../errors.ts';
import { toJson } from '../store/json.ts';
import { insertTasks, newTaskRows } from '../queue/tasks.ts';
import type { StudyTaskRow } from './store.ts';
import { resolveSites, type StudyUser } from './sites.ts';
import { hintFor } from '../queue/notifier.ts';

type Ctx = Pick<HubContext, 'db' | 'config' | 'events'>;

/** Task rows and their study links for one round, all with the same params. */
export function roundRows(
  ctx: Ctx,
  studyId: string,
  req: StudyCreate,
  params: FederatedRoundParams,
  runnerIds: string[],
  createdBy: string | null,
  now: number,
): { tasks: TaskRow[]; links: StudyTaskRow[] } {
  const inputs: TaskCreate[] = runnerIds.map((runner_id) => ({
    op: 300,
    params,
    runner_id,
    ...(req.timeout_s === undefined ? {} : { timeout_s: req.timeout_s }),
    ...(req.max_attempts === undefined ? {} : { max_attempts: req.max_attempts }),
  }));
  const tasks = newTaskRows(
    inputs,
    createdBy,
    { timeoutS: ctx.config.taskTimeoutS, maxAttempts: ctx.config.maxAttempts },
    now,
  );
  const links = tasks.map((t, i) => ({
    task_id: t.id,
    study_id: studyId,
    round: params.round,
    runner_id: runnerIds[i],
    outcome: null,
    error: null,
    created_at: now,
  }));
  return { tasks, links };
}

export async function insertRound(db: Db, rows: { tasks: TaskRow[]; links: StudyTaskRow[] }): Promise<void> {
  await insertTasks(db, rows.tasks);
  for (let i = 0; i < rows.links.length; i += 200)
    await db
      .insertInto('study_tasks')
      .values(rows.links.slice(i, i + 200))
      .execute();
}

/** A planner refusal (e.g. a name given twice) is the analyst's to fix: 400 with the planner's code. */
export function plannerError(e: unknown): HubError | undefined {
  if (!(e instanceof FederatedError)) return undefined;
  return new HubError(e.code, e.code === 'conflict' ? 409 : 400, e.message);
}

/** Creates the study and its round-1 sub-tasks in one transaction, then wakes the runners. */
export async function createStudy(
  ctx: Ctx,
  req: StudyCreate,
  user: StudyUser | null,
  now = Date.now(),
  admit?: (subTasks: number) => void,
): Promise<StudyCreated> {
  const createdBy = user?.id ?? null;
  const id = newId('std');
  let plan: StudyPlan;
  try {
    plan = startStudy(id, req);
  } catch (e) {
    throw plannerError(e) ?? e;
  }
  if (plan.status !== 'round')
    throw new HubError('internal', 500, 'the planner finished a study before its first round');
  const sites = await resolveSites(ctx.db, req, user);
  admit?.(sites.length); // the caller's rate limit: each sub-task counts as a task
  const rows = roundRows(ctx, id, req, plan.params, sites, createdBy, now);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('studies')
      .values({
        id,
        dataset: req.dataset,
        analysis: req.analysis,
        require: req.require,
        request: toJson(req),
        status: 'running',
        round: plan.state.round,
        state: toJson(plan.state),
        sites: toJson(sites),
        result: null,
        withheld_by: '[]',
        error: null,
        created_by: createdBy,
        created_at: now,
        updated_at: now,
        finished_at: null,
      })
      .execute();
    await insertRound(trx, rows);
  });
  ctx.events.tasks(rows.tasks.map((t) => t.id));
  ctx.events.available(hintFor(rows.tasks));
  return { study_id: id, status: 'running' };
}
