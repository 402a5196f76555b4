// The reaper: expires leases that were not renewed, backstops task timeouts, purges expired results.
import type { HubContext } from '../context.ts';
import type { TaskRow, TasksTable } from '../db/schema.ts';
import { toJson } from '../store/json.ts';
import { endAttempt } from './attempts.ts';
import { ACTIVE_SQL } from './tasks.ts';
import { backoffMs } from './backoff.ts';
import { leaseTtlMs } from './lease-time.ts';

type Ctx = Pick<HubContext, 'db' | 'config' | 'events' | 'log' | 'metrics' | 'blobs'>;

const BATCH = 500;

export interface ReapStats {
  requeued: number;
  failed: number;
  canceled: number;
  timedOut: number;
  purged: number;
  purgedBlobs: number;
}

/** What happens to a task whose lease ran out. */
function afterExpiry(
  ctx: Ctx,
  t: TaskRow,
  now: number,
): { set: Partial<TasksTable>; kind: 'requeued' | 'failed' | 'canceled' } {
  const ended = { lease_expires_at: null, deadline_at: null, updated_at: now };
  if (t.cancel_requested) {
    // The holder never confirmed the cancel; a canceled task is never retried.
    return {
      kind: 'canceled',
      set: {
        ...ended,
        status: 'canceled',
        finished_at: now,
        error: toJson({ code: 'canceled', message: 'canceled; the runner did not confirm before its lease expired' }),
      },
    };
  }
  if (t.attempt >= t.max_attempts) {
    const error = {
      code: 'lost',
      message: `the runner holding this task vanished ${t.attempt} time(s); giving up after ${t.max_attempts} attempts`,
    };
    return { kind: 'failed', set: { ...ended, status: 'failed', finished_at: now, error: toJson(error) } };
  }
  const delay = backoffMs(t.attempt, ctx.config.backoffBaseMs, ctx.config.backoffMaxMs);
  return {
    kind: 'requeued',
    set: {
      ...ended,
      status: 'queued',
      lease_token: null,
      available_at: now + delay,
      progress: null,
      progress_message: null,
    },
  };
}

/** One pass. Every change is conditional on the lease it judged, so several hubs may reap at once without double expiry. */
export async function reapOnce(ctx: Ctx, now = Date.now(), purge = true): Promise<ReapStats> {
  const stats: ReapStats = { requeued: 0, failed: 0, canceled: 0, timedOut: 0, purged: 0, purgedBlobs: 0 };
  const changed: string[] = [];
  const runners = new Set<string>();
  const lost = new Set<string>();
  const due: number[] = []; // when re-queued tasks may be claimed again

  const expired = await ctx.db
    .selectFrom('tasks')
    .selectAll()
    .where(ACTIVE_SQL)
    .where('lease_expires_at', '<', now)
    .orderBy('lease_expires_at')
    .limit(BATCH)
    .execute();
  for (const t of expired) {
    const { set, kind } = afterExpiry(ctx, t, now);
    const ok = await finish(ctx, t, set, 'lost', null, now, { column: 'lease_expires_at', before: now });
    if (!ok) continue;
    stats[kind]++;
    if (kind === 'requeued') due.push(set.available_at!);
    changed.push(t.id);
    if (t.runner_id) {
      runners.add(t.runner_id);
      lost.add(t.runner_id);
    }
    const then = kind; // the field is named like the lease-expiry metric's label
    ctx.log.info('lease expired', { task_id: t.id, runner_id: t.runner_id, attempt: t.attempt, then });
  }

  // Backstop for the runner's own timeout: a grace of one lease TTL past the deadline.
  const graceMs = leaseTtlMs(ctx.config);
  const late = await ctx.db
    .selectFrom('tasks')
    .selectAll()
    .where(ACTIVE_SQL)
    .where('deadline_at', '<', now - graceMs)
    .limit(BATCH)
    .execute();
  for (const t of late) {
    const error = {
      code: 'timeout',
      message: `the task ran past its timeout of ${t.timeout_s} s and the runner did not stop it`,
    };
    const set: Partial<TasksTable> = {
      status: 'failed',
      finished_at: now,
      updated_at: now,
      lease_expires_at: null,
      deadline_at: null,
      error: toJson(error),
    };
    const ok = await finish(ctx, t, set, 'timeout', error, now, { column: 'deadline_at', before: now - graceMs });
    if (!ok) continue;
    stats.timedOut++;
    changed.push(t.id);
    if (t.runner_id) {
      runners.add(t.runner_id);
      ctx.events.cancel({ runnerId: t.runner_id, taskId: t.id, reason: 'timeout' });
    }
  }

  if (purge) {
    const res = await ctx.db
      .updateTable('tasks')
      .set({ result: null, result_blob: null, result_expires_at: null })
      .where('result_expires_at', '<', now)
      .executeTakeFirst();
    stats.purged = Number(res.numUpdatedRows);
    // Files of expired results go with them (a blob's expiry is its result's).
    if (ctx.blobs) stats.purgedBlobs = await ctx.blobs.purgeExpired(now);
  }

  ctx.events.tasks(changed);
  ctx.events.runners([...runners]);
  for (const r of lost) ctx.events.lost(r);
  if (stats.requeued) {
    ctx.events.available();
    for (const at of due) ctx.events.availableAt(at, now);
  }
  for (const r of runners) ctx.events.freed(r);
  ctx.metrics?.reaped(stats);
  return stats;
}

/** The condition that made the reaper act, re-checked in the update so that a renewal in between wins. */
interface Guard {
  column: 'lease_expires_at' | 'deadline_at';
  before: number;
}

async function finish(
  ctx: Ctx,
  t: TaskRow,
  set: Partial<TasksTable>,
  outcome: 'lost' | 'timeout',
  error: unknown,
  now: number,
  guard: Guard,
): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('tasks')
      .set(set)
      .where('id', '=', t.id)
      .where('lease_token', '=', t.lease_token ?? '')
      .where(ACTIVE_SQL)
      .where(guard.column, '<', guard.before)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await endAttempt(trx, t, outcome, error, now);
    return true;
  });
}

/** Runs reapOnce every interval until stopped; purges results once a minute. */
export function startReaper(ctx: Ctx, onTick?: () => void): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  let ticks = 0;
  const purgeEvery = Math.max(1, Math.round(60_000 / ctx.config.reaperIntervalMs));
  const timer = setInterval(() => {
    if (running) return;
    const purge = ticks++ % purgeEvery === 0;
    running = reapOnce(ctx, Date.now(), purge)
      .catch((err) => ctx.log.error('reaper pass failed', { err }))
      .finally(() => {
        running = undefined;
        onTick?.();
      });
  }, ctx.config.reaperIntervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
