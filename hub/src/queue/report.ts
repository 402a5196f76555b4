// Progress and results from runners, fenced by the lease token: stale tokens change nothing.
import { OpResult, type OpCode, type ProgressReply, type ReleaseReply, type ReleaseRequest, type ResultPost, type ResultReply, type TaskProgress } from '@simpul/protocol';
import { sql } from 'kysely';
import type { HubContext } from '../context.ts';
import type { RunnerRow, TaskRow } from '../db/schema.ts';
import { badRequest, conflict, invalidInput, forbidden, notFound, staleLease, tooLarge } from '../errors.ts';
import { toJson } from '../store/json.ts';
import { ACTIVE_STATES, getTask, runnerEverHeld } from './tasks.ts';
import { hashJson } from './canonical-json.ts';
import { release as releaseLease } from './leases.ts';

type Ctx = Pick<HubContext, 'db' | 'config' | 'events' | 'metrics' | 'blobs'>;

const MAX_HOLD_MS = 30 * 86_400_000;

const isActive = (t: TaskRow) => (ACTIVE_STATES as readonly string[]).includes(t.status);

/** The task, if this runner may report on it: 404 unknown, 403 never its own, 409 stale when it held it once. */
async function taskFor(ctx: Ctx, runner: RunnerRow, taskId: string, leaseToken: string): Promise<TaskRow> {
  const task = await getTask(ctx.db, taskId);
  if (!task) throw notFound(`no task ${taskId}`);
  if (task.runner_id !== runner.id) {
    if (await runnerEverHeld(ctx.db, taskId, runner.id)) throw staleLease(taskId);
    throw forbidden(`task ${taskId} is not held by runner ${runner.id}`);
  }
  if (task.lease_token !== leaseToken) throw staleLease(taskId);
  return task;
}

export async function progress(ctx: Ctx, runner: RunnerRow, msg: TaskProgress, now = Date.now()): Promise<ProgressReply> {
  const task = await taskFor(ctx, runner, msg.task_id, msg.lease_token);
  if (!isActive(task)) throw staleLease(task.id);
  const renewTo = task.cancel_requested ? task.lease_expires_at : now + Math.round(ctx.config.leaseTtlS * 1000);
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
    .where('status', 'in', [...ACTIVE_STATES])
    .returning(['cancel_requested', 'lease_expires_at'])
    .executeTakeFirst();
  if (!row) throw staleLease(task.id);
  ctx.events.tasks([task.id]);
  return { ok: true, canceled: row.cancel_requested === 1, lease_expires_at: new Date(row.lease_expires_at ?? now).toISOString() };
}

/** The runner hands a task back unstarted (or stopped, e.g. while draining): queued again at once, attempt not spent. */
export async function release(ctx: Ctx, runner: RunnerRow, msg: ReleaseRequest, now = Date.now()): Promise<ReleaseReply> {
  const task = await taskFor(ctx, runner, msg.task_id, msg.lease_token);
  if (!isActive(task)) throw staleLease(task.id);
  const status = await releaseLease(ctx, task.id, msg.lease_token, now, true);
  if (!status) throw staleLease(task.id);
  ctx.events.runners([runner.id]);
  ctx.events.freed(runner.id);
  return { ok: true, status };
}

/** What a final report is compared on: the same report twice stores once, a different one is a conflict. */
function reportHash(post: ResultPost): string {
  return hashJson({ status: post.status, result: post.result ?? null, error: post.error ?? null });
}

/**
 * The result as its op's schema says, or a 400. Keys the schema does not name are dropped (zod objects strip them), so
 * that nothing a runner adds (a `url` beside an analysis, say) reaches the web; fields the schemas define stay.
 */
function checkResult(ctx: Ctx, task: TaskRow, post: ResultPost): unknown {
  if (post.status !== 'succeeded') return null;
  const bytes = Buffer.byteLength(JSON.stringify(post.result ?? null));
  if (bytes > ctx.config.inlineResultMax) {
    throw tooLarge(`result is ${bytes} bytes; results over ${ctx.config.inlineResultMax} bytes go to the blob store`);
  }
  const schema = OpResult[task.op as OpCode];
  const parsed = schema?.safeParse(post.result);
  if (!parsed) throw badRequest(`operation ${task.op} has no result schema`);
  if (!parsed.success) throw invalidInput(`result does not match operation ${task.op}'s result schema`, parsed.error);
  return namedOnly(post.result, parsed.data);
}

/** The parsed result with only the keys the runner sent: unknown keys are gone, and no defaults are filled in. */
function namedOnly(raw: unknown, parsed: unknown): unknown {
  if (Array.isArray(raw) && Array.isArray(parsed)) {
    if (parsed.every((v) => v === null || typeof v !== 'object')) return parsed; // a row of cells: nothing to strip
    return parsed.map((v, i) => namedOnly(raw[i], v));
  }
  if (!isPlain(raw) || !isPlain(parsed)) return parsed;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed)) if (Object.hasOwn(raw, k)) out[k] = namedOnly(raw[k], v);
  return out;
}
const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export async function result(ctx: Ctx, runner: RunnerRow, post: ResultPost, now = Date.now()): Promise<ResultReply> {
  const task = await taskFor(ctx, runner, post.task_id, post.lease_token);
  const hash = reportHash(post);
  if (!isActive(task)) return settled(task, hash);
  const clean = checkResult(ctx, task, post);
  // A result that names a blob is stored only once the blob arrived whole (blobs/service.ts).
  const blob = post.status === 'succeeded' ? ((await ctx.blobs?.resultBlob(task, clean)) ?? null) : null;

  const error =
    post.status === 'succeeded' ? null : (post.error ?? { code: 'canceled', message: 'the runner stopped the task on request' });
  const outcome = post.status === 'failed' && error?.code === 'timeout' ? 'timeout' : post.status;
  const stored = await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('tasks')
      .set({
        status: post.status,
        result: post.status === 'succeeded' ? toJson(clean) : null,
        error: error ? toJson(error) : null,
        result_hash: hash,
        result_blob: blob ? toJson(blob) : null,
        result_expires_at: now + ctx.config.resultTtlMs,
        progress: post.status === 'succeeded' ? 100 : task.progress,
        // A quick task sends no progress before its result: it started when it was claimed (its deadline less its timeout).
        started_at: sql<number>`coalesce(started_at, deadline_at - timeout_s * 1000)`,
        lease_expires_at: null,
        deadline_at: null,
        finished_at: now,
        updated_at: now,
      })
      .where('id', '=', task.id)
      .where('lease_token', '=', post.lease_token)
      .where('status', 'in', [...ACTIVE_STATES])
      .returning('id')
      .executeTakeFirst();
    if (!row) return false;
    await trx
      .updateTable('task_attempts')
      .set({ outcome, ended_at: now, error: error ? toJson(error) : null })
      .where('lease_token', '=', post.lease_token)
      .execute();
    if (blob) await ctx.blobs?.keep(trx, blob, now + ctx.config.resultTtlMs);
    return true;
  });

  if (!stored) {
    // Lost a race (a concurrent duplicate, the reaper): judge against what is there now.
    const now2 = await getTask(ctx.db, task.id);
    if (!now2 || now2.lease_token !== post.lease_token || isActive(now2)) throw staleLease(task.id);
    return settled(now2, hash);
  }
  ctx.events.tasks([task.id]);
  ctx.events.runners([runner.id]);
  ctx.events.freed(runner.id);
  ctx.metrics?.finished(task, post.status, now);
  return { ok: true, stored: true };
}

/** A report for a task that is already final under this lease. */
function settled(task: TaskRow, hash: string): ResultReply {
  if (task.result_hash === hash) return { ok: true, stored: false };
  if (task.result_hash === null) throw staleLease(task.id); // finalised by the hub (reaper), not by a report
  throw conflict(`task ${task.id} already has a different result for this attempt`);
}
