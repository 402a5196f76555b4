// Progress, hand-backs and results from runners, fenced by the lease token: stale tokens change nothing. Results are
// stored in group commits (results.ts).
import type { ProgressReply, ReleaseReply, ReleaseRequest, TaskProgress } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import type { RunnerRow, TaskRow } from '../db/schema.ts';
import { staleLease } from '../errors.ts';
import { leaseExpiry } from './lease-time.ts';
import { ACTIVE_SQL, ACTIVE_STATES, getTask } from './tasks.ts';
import { release as releaseLease } from './leases.ts';
import { heldUnder } from './results.ts';

type Ctx = Pick<HubContext, 'db' | 'config' | 'events' | 'metrics' | 'blobs'>;

const MAX_HOLD_MS = 30 * 86_400_000;

const isActive = (t: TaskRow) => (ACTIVE_STATES as readonly string[]).includes(t.status);

/** The task, if this runner may report on it (results.ts: heldUnder). */
async function taskFor(ctx: Ctx, runner: RunnerRow, taskId: string, leaseToken: string): Promise<TaskRow> {
  return heldUnder(ctx.db, runner, taskId, leaseToken, await getTask(ctx.db, taskId));
}

export async function progress(
  ctx: Ctx,
  runner: RunnerRow,
  msg: TaskProgress,
  now = Date.now(),
): Promise<ProgressReply> {
  const task = await taskFor(ctx, runner, msg.task_id, msg.lease_token);
  if (!isActive(task)) throw staleLease(task.id);
  const renewTo = task.cancel_requested ? task.lease_expires_at : leaseExpiry(ctx.config, now);
  const row = await ctx.db
    .updateTable('tasks')
    .set((eb) => ({
      status: 'running',
      progress: msg.percent,
      progress_message: msg.message ?? null,
      started_at: eb.fn.coalesce('started_at', eb.val(now)),
      lease_expires_at: renewTo,
      updated_at: now,
      // A result held for the data owner's review: the timeout backstop waits until the hold ends (at most 30 days).
      ...(msg.held_until ? { deadline_at: Math.min(Date.parse(msg.held_until) || now, now + MAX_HOLD_MS) } : {}),
    }))
    .where('id', '=', task.id)
    .where('lease_token', '=', msg.lease_token)
    .where(ACTIVE_SQL)
    .returning(['cancel_requested', 'lease_expires_at'])
    .executeTakeFirst();
  if (!row) throw staleLease(task.id);
  ctx.events.tasks([task.id]);
  return {
    ok: true,
    canceled: row.cancel_requested === 1,
    lease_expires_at: new Date(row.lease_expires_at ?? now).toISOString(),
  };
}

/** The runner hands a task back unstarted (or stopped, e.g. while draining): queued again at once, attempt not spent. */
export async function release(
  ctx: Ctx,
  runner: RunnerRow,
  msg: ReleaseRequest,
  now = Date.now(),
): Promise<ReleaseReply> {
  const task = await taskFor(ctx, runner, msg.task_id, msg.lease_token);
  if (!isActive(task)) throw staleLease(task.id);
  const status = await releaseLease(ctx, task.id, msg.lease_token, now, true);
  if (!status) throw staleLease(task.id);
  ctx.events.runners([runner.id]);
  ctx.events.freed(runner.id);
  return { ok: true, status };
}

export { result } from './results.ts';
