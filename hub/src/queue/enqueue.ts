// Enqueue: new tasks (one or a batch, in one transaction), then wake whoever can take them.
import type { TaskCreate, TaskCreated } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import { conflict, notFound } from '../errors.ts';
import { runnerRevocations } from '../store/runners.ts';
import { insertTasks, newTaskRows } from './tasks.ts';
import { hintFor } from './notifier.ts';

type Ctx = Pick<HubContext, 'db' | 'config' | 'events'>;

/**
 * A task names a runner (it must exist) or only a dataset (accepted even if no runner advertises it yet: one may come).
 */
export async function enqueue(
  ctx: Ctx,
  inputs: TaskCreate[],
  createdBy: string | null,
  now = Date.now(),
  requestId: string | null = null,
): Promise<TaskCreated[]> {
  const targets = [...new Set(inputs.map((t) => t.runner_id).filter((id): id is string => id !== undefined))];
  const rows = newTaskRows(
    inputs,
    createdBy,
    { timeoutS: ctx.config.taskTimeoutS, maxAttempts: ctx.config.maxAttempts },
    now,
    requestId,
  );

  await ctx.db.transaction().execute(async (trx) => {
    if (targets.length > 0) {
      const found = await runnerRevocations(trx, targets);
      const byId = new Map(found.map((r) => [r.id, r]));
      const missing = targets.filter((id) => !byId.has(id));
      if (missing.length > 0) throw notFound(`no runner ${missing.join(', ')}`);
      const revoked = found.filter((r) => r.revoked_at !== null).map((r) => r.id);
      if (revoked.length > 0) throw conflict(`runner ${revoked.join(', ')} is revoked and takes no tasks`);
    }
    await insertTasks(trx, rows);
  });

  ctx.events.tasks(rows.map((r) => r.id));
  ctx.events.available(hintFor(rows));
  return rows.map((r) => ({ task_id: r.id, status: r.status }));
}
