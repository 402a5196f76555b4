// Ending a study early: the analyst cancels it, or it fails; its open sub-tasks are canceled through the task lifecycle.
import type { ErrorInfo, StudyCancelReply } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import { conflict, HubError } from '../errors.ts';
import { cancelTask } from '../queue/cancel.ts';
import { getTasks } from '../queue/tasks.ts';
import { endStudy, getStudy, markLink, studyLinks, type StudyRow } from './store.ts';

type Ctx = Pick<HubContext, 'db' | 'events' | 'log'>;

const OPEN = new Set(['queued', 'leased', 'running']);

/** Cancels a sub-task the study no longer waits for; a task that finished meanwhile is left as it is. */
export async function dropSubTask(
  ctx: Ctx,
  taskId: string,
  outcome: 'offline' | 'abandoned' | 'failed',
  error: ErrorInfo,
  by: string,
): Promise<void> {
  await markLink(ctx.db, taskId, outcome, error);
  try {
    await cancelTask(ctx, taskId, by);
  } catch (e) {
    if (!(e instanceof HubError)) throw e; // conflict: it ended on its own in the meantime
  }
}

/** Cancels every sub-task of the study that is still queued, leased or running. */
export async function abandonOpen(ctx: Ctx, studyId: string, why: string): Promise<void> {
  const links = await studyLinks(ctx.db, studyId);
  const open = (
    await getTasks(
      ctx.db,
      links.filter((l) => l.outcome === null).map((l) => l.task_id),
    )
  ).filter((t) => OPEN.has(t.status));
  for (const t of open)
    await dropSubTask(ctx, t.id, 'abandoned', { code: 'canceled', message: why }, `study ${studyId}`);
}

export async function cancelStudy(ctx: Ctx, row: StudyRow, by: string, now = Date.now()): Promise<StudyCancelReply> {
  const ended =
    row.status === 'running' &&
    (await endStudy(
      ctx.db,
      row.id,
      { status: 'canceled', error: { code: 'canceled', message: `canceled by ${by}` } },
      now,
    ));
  if (!ended) {
    const current = (await getStudy(ctx.db, row.id)) ?? row;
    throw conflict(`study ${row.id} is already ${current.status}; only running studies can be canceled`);
  }
  await abandonOpen(ctx, row.id, `study ${row.id} was canceled by ${by}`);
  ctx.log.info('study canceled', { study_id: row.id, by });
  return { study_id: row.id, status: 'canceled' };
}
