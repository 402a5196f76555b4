// A task's progress report to the hub (what its ProgressQueue sends): the hub may answer that it was canceled, or refuse
// the lease (then the task is no longer ours).
import type { TaskProgress } from '@simpul/protocol';
import { errorMessage } from './errors.ts';
import { type Reporter, type TaskRun, isStale } from './task-run.ts';

export interface ProgressOrders {
  cancel(taskId: string, message: string): void;
  drop(taskId: string, message: string): void;
}

export async function sendProgress(
  reporter: Reporter,
  orders: ProgressOrders,
  t: TaskRun,
  percent: number,
  message: string | undefined,
): Promise<void> {
  if (t.stop && t.stop.reason !== 'cancel') return;
  const msg: TaskProgress = {
    task_id: t.offer.task_id,
    lease_token: t.offer.lease_token,
    percent,
    ...(message ? { message: message.slice(0, 500) } : {}),
    ...(t.heldUntil ? { held_until: t.heldUntil } : {}),
  };
  try {
    const reply = await reporter.progress(msg);
    if (reply.canceled) orders.cancel(t.offer.task_id, 'canceled by the hub');
  } catch (e) {
    // Stale only if that lease is still the one we hold: the task may have been leased to us again meanwhile.
    if (isStale(e) && t.state.phase !== 'reporting' && t.offer.lease_token === msg.lease_token)
      orders.drop(t.offer.task_id, `the hub refused progress: ${errorMessage(e)}`);
    else t.log.debug('progress not delivered', { error: errorMessage(e) });
  }
}
