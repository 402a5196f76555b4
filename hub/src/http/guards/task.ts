// Task access: which task a user may see, what POST /api/v1/tasks checks besides the body (rate limit, runner access)
// and what it writes to the audit log.
import { TaskId, type TaskCreate, type TaskCreated } from '@simpul/protocol';
import { actorOf, clientIp, paramsHash } from '../../audit/audit.ts';
import { limitsOf } from '../../auth/limits.ts';
import { visibleRunners } from '../../auth/runner-access.ts';
import type { TaskRow } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import type { CreateAudit } from '../../queue/enqueue.ts';
import { getTask } from '../../queue/tasks.ts';
import { runnerSharing } from '../../store/runners.ts';
import type { Ctx } from '../env.ts';
import { readParam } from '../parse.ts';
import { isAdmin, type UserCaller } from './caller.ts';

/** Throws 429 (with Retry-After) past the analyst's tasks per minute, 404 for a runner this user may not use. */
export async function checkTaskCreate(c: Ctx, user: UserCaller, inputs: TaskCreate[]): Promise<void> {
  const hub = c.get('hub');
  // Admins operate the hub (benchmarks, bulk reruns): the per-user limit protects it from analysts' runaway scripts.
  if (user.user.role !== 'admin') limitsOf(hub).tasks.take(user.user.id, inputs.length);
  const targets = [...new Set(inputs.map((t) => t.runner_id).filter((id): id is string => id !== undefined))];
  if (targets.length === 0 || user.user.role === 'admin') return;
  const rows = await runnerSharing(hub.db, targets);
  const usable = new Set((await visibleRunners(hub.db, user.user, rows)).map((r) => r.id));
  // Unknown runners are left to enqueue's own 404; a private runner looks exactly like an unknown one.
  const hidden = rows.filter((r) => !usable.has(r.id)).map((r) => r.id);
  if (hidden.length) throw notFound(`no runner ${hidden.join(', ')}`);
}

/** What creating these tasks writes to the audit log, in the transaction that stores them (enqueue's group commit). */
export function tasksCreatedAudit(c: Ctx, inputs: TaskCreate[]): CreateAudit {
  const actor = actorOf(c.get('caller'));
  const ip = clientIp(c);
  return (created: TaskCreated[]) =>
    created.map((t, i) => ({
      action: 'task.created' as const,
      actor,
      ip,
      target: { kind: 'task', id: t.task_id },
      details: {
        runner_id: inputs[i].runner_id ?? null,
        dataset: inputs[i].params.dataset,
        op: inputs[i].op,
        params_sha256: paramsHash(inputs[i].params),
      },
    }));
}

/** The task if this user may see it; another analyst's task is "not found" rather than "forbidden", to hide that it exists. */
export async function visibleTask(c: Ctx, user: UserCaller): Promise<TaskRow> {
  const id = readParam(c, 'task_id', TaskId);
  const task = await getTask(c.get('hub').db, id);
  if (!task || (!isAdmin(user) && task.created_by !== user.user.id)) throw notFound(`no task ${id}`);
  return task;
}
