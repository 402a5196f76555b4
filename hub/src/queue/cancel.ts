// Cancel: a queued task stops at once; a held one is asked to stop (pushed and listed in heartbeats); final ones refuse.
import type { CancelReply } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import { conflict, notFound } from '../errors.ts';
import { toJson } from '../store/json.ts';
import { ACTIVE_SQL, getTask } from './tasks.ts';

type Ctx = Pick<HubContext, 'db' | 'events'>;

export async function cancelTask(ctx: Ctx, taskId: string, by: string, now = Date.now()): Promise<CancelReply> {
  // A few rounds: the task may change state between the read and the conditional update.
  for (let round = 0; round < 5; round++) {
    const task = await getTask(ctx.db, taskId);
    if (!task) throw notFound(`no task ${taskId}`);

    if (task.status === 'queued') {
      const res = await ctx.db
        .updateTable('tasks')
        .set({
          status: 'canceled',
          finished_at: now,
          updated_at: now,
          error: toJson({ code: 'canceled', message: `canceled by ${by}` }),
        })
        .where('id', '=', taskId)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) continue;
      ctx.events.tasks([taskId]);
      return { task_id: taskId, status: 'canceled' };
    }

    if (task.status === 'leased' || task.status === 'running') {
      const res = await ctx.db
        .updateTable('tasks')
        .set({ cancel_requested: 1, updated_at: now })
        .where('id', '=', taskId)
        .where(ACTIVE_SQL)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) continue;
      if (task.runner_id) ctx.events.cancel({ runnerId: task.runner_id, taskId, reason: `canceled by ${by}` });
      ctx.events.tasks([taskId]);
      return { task_id: taskId, status: task.status };
    }

    throw conflict(`task ${taskId} is already ${task.status}; only queued, leased or running tasks can be canceled`);
  }
  throw conflict(`task ${taskId} kept changing state; try again`);
}
