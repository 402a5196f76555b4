// Final reports from runners, stored in group commits: the reports that arrive within one turn of the event loop (and
// those that arrive while a commit is under way) are checked together and written in one transaction. Each report is
// answered only after its transaction committed: durable before acknowledged, exactly one stored result per attempt.
import { OpResult, type BlobRef, type OpCode, type ResultPost, type ResultReply } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import type { Db, RunnerRow, TaskRow } from '../db/schema.ts';
import { badRequest, conflict, forbidden, invalidInput, notFound, staleLease, tooLarge } from '../errors.ts';
import { prepared } from '../db/prepared.ts';
import { toJson } from '../store/json.ts';
import { runnerEverHeld } from './attempts.ts';
import { ACTIVE_STATES, getTask, padded } from './tasks.ts';
import { finishAll, type FinalRow } from './result-rows.ts';
import { hashJson } from './canonical-json.ts';
import { GroupCommit } from './group-commit.ts';

export type ResultCtx = Pick<HubContext, 'db' | 'config' | 'events' | 'metrics' | 'blobs'>;

/** Most reports one transaction writes; more wait for the next. */
const MAX_GROUP = 500;

/** What judging and storing a report needs of its task (not its params or an earlier result). */
const REPORTED = [
  'id',
  'op',
  'status',
  'runner_id',
  'lease_token',
  'result_hash',
  'progress',
  'created_at',
  'available_at',
  'started_at',
  'deadline_at',
  'timeout_s',
] as const;
type Reported = Pick<TaskRow, (typeof REPORTED)[number]>;
const reportedTasks = prepared((db: Db, ids: string[]) =>
  db.selectFrom('tasks').select(REPORTED).where('id', 'in', ids),
);

const isActive = (t: Pick<TaskRow, 'status'>) => (ACTIVE_STATES as readonly string[]).includes(t.status);

interface Pending {
  runner: RunnerRow;
  post: ResultPost;
  now: number;
  resolve(reply: ResultReply): void;
  reject(err: unknown): void;
}

/** A report that passed its checks, ready to be written. */
interface Write {
  item: Pending;
  task: Reported;
  hash: string;
  clean: unknown;
  blob: BlobRef | null;
}

/** One writer per hub context. */
const writers = new WeakMap<ResultCtx, ResultWriter>();

export function result(ctx: ResultCtx, runner: RunnerRow, post: ResultPost, now = Date.now()): Promise<ResultReply> {
  let w = writers.get(ctx);
  if (!w) writers.set(ctx, (w = new ResultWriter(ctx)));
  return w.submit(runner, post, now);
}

class ResultWriter {
  private readonly groups = new GroupCommit<Pending>(
    (waiting) => {
      // A task reported twice in one group: the later report waits for the next group, to be judged against the first.
      const group: Pending[] = [];
      const later: Pending[] = [];
      const ids = new Set<string>();
      for (const item of waiting) {
        if (group.length >= MAX_GROUP || ids.has(item.post.task_id)) later.push(item);
        else {
          ids.add(item.post.task_id);
          group.push(item);
        }
      }
      return { group, later };
    },
    (group) => this.write(group),
    (group, err) => group.forEach((p) => p.reject(err)),
  );

  constructor(private readonly ctx: ResultCtx) {}

  submit(runner: RunnerRow, post: ResultPost, now: number): Promise<ResultReply> {
    return new Promise((resolve, reject) => this.groups.add({ runner, post, now, resolve, reject }));
  }

  private async write(group: Pending[]): Promise<void> {
    const { ctx } = this;
    const tasks = new Map<string, Reported>();
    const ids = group.map((p) => p.post.task_id);
    for (let i = 0; i < ids.length; i += 512)
      for (const t of (await reportedTasks(ctx.db, padded(ids.slice(i, i + 512)))).rows) tasks.set(t.id, t);
    const writes: Write[] = [];
    await Promise.all(
      group.map(async (item) => {
        try {
          const w = await check(ctx, item, tasks.get(item.post.task_id));
          if (w) writes.push(w);
        } catch (err) {
          item.reject(err);
        }
      }),
    );
    if (writes.length === 0) return;

    let stored: boolean[];
    try {
      stored = await ctx.db.transaction().execute((trx) => storeAll(ctx, trx, writes));
    } catch (err) {
      if (writes.length === 1) throw err;
      // One report's write failed the group: write each on its own, so that only that one fails.
      stored = [];
      for (const w of writes) {
        stored.push(
          await ctx.db
            .transaction()
            .execute(async (trx) => (await storeAll(ctx, trx, [w]))[0])
            .catch((e) => (w.item.reject(e), false)),
        );
      }
    }

    const done = writes.filter((_, i) => stored[i]);
    if (done.length > 0) {
      ctx.events.tasks(done.map((w) => w.task.id));
      const runners = [...new Set(done.map((w) => w.item.runner.id))];
      ctx.events.runners(runners);
      for (const id of runners) ctx.events.freed(id);
      for (const w of done) ctx.metrics?.finished(w.task, w.item.post.status, w.item.now);
    }
    await Promise.all(
      writes.map(async (w, i) => {
        if (stored[i]) return w.item.resolve({ ok: true, stored: true });
        // Lost a race (a concurrent duplicate, the reaper) or failed on its own: judge against what is there now.
        try {
          const now2 = await getTask(ctx.db, w.task.id);
          if (!now2 || now2.lease_token !== w.item.post.lease_token || isActive(now2)) throw staleLease(w.task.id);
          w.item.resolve(settled(now2, w.hash));
        } catch (err) {
          w.item.reject(err);
        }
      }),
    );
  }
}

/** The task, if this runner may report on it under this lease: 404 unknown, 403 never its own, 409 stale when it held
 * it once or the lease is another. */
export async function heldUnder<T extends Pick<TaskRow, 'runner_id' | 'lease_token'>>(
  db: Db,
  runner: RunnerRow,
  taskId: string,
  leaseToken: string,
  task: T | undefined,
): Promise<T> {
  if (!task) throw notFound(`no task ${taskId}`);
  if (task.runner_id !== runner.id) {
    if (await runnerEverHeld(db, taskId, runner.id)) throw staleLease(taskId);
    throw forbidden(`task ${taskId} is not held by runner ${runner.id}`);
  }
  if (task.lease_token !== leaseToken) throw staleLease(taskId);
  return task;
}

/** The checks one report passes before it is written; null when it was answered already (a repeat of a final report). */
async function check(ctx: ResultCtx, item: Pending, row: Reported | undefined): Promise<Write | null> {
  const { runner, post } = item;
  const task = await heldUnder(ctx.db, runner, post.task_id, post.lease_token, row);
  const hash = reportHash(post);
  if (!isActive(task)) {
    item.resolve(settled(task, hash));
    return null;
  }
  const clean = checkResult(ctx, task, post);
  // A result that names a blob is stored only once the blob arrived whole (blobs/service.ts).
  const blob = post.status === 'succeeded' ? ((await ctx.blobs?.resultBlob(task, clean)) ?? null) : null;
  return { item, task, hash, clean, blob };
}

/** Writes the reports inside the group's transaction; for each, false when its task was no longer that lease's to finish. */
async function storeAll(ctx: ResultCtx, trx: Db, writes: Write[]): Promise<boolean[]> {
  const rows = writes.map(({ item: { post, now }, task, hash, clean, blob }): FinalRow => {
    const error =
      post.status === 'succeeded'
        ? null
        : (post.error ?? { code: 'canceled', message: 'the runner stopped the task on request' });
    const succeeded = post.status === 'succeeded';
    return {
      id: task.id,
      lease: post.lease_token,
      status: post.status,
      result: succeeded ? toJson(clean) : null,
      error: error ? toJson(error) : null,
      hash,
      blob: blob ? toJson(blob) : null,
      expires: now + ctx.config.resultTtlMs,
      // A quick task sends no progress before its result: finishAll dates its start from its claim.
      progress: succeeded ? 100 : task.progress,
      now,
    };
  });
  const finished = await finishAll(trx, rows);
  for (const w of writes)
    if (w.blob && finished.has(w.task.id))
      await ctx.blobs?.keep(trx, w.task.op, w.clean, w.item.now + ctx.config.resultTtlMs);
  return writes.map((w) => finished.has(w.task.id));
}

/** What a final report is compared on: the same report twice stores once, a different one is a conflict. */
function reportHash(post: ResultPost): string {
  return hashJson({ status: post.status, result: post.result ?? null, error: post.error ?? null });
}

/**
 * The result as its op's schema says, or a 400. Keys the schema does not name are dropped (zod objects strip them), so
 * that nothing a runner adds (a `url` beside an analysis, say) reaches the web; fields the schemas define stay.
 */
function checkResult(ctx: ResultCtx, task: Reported, post: ResultPost): unknown {
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

/** A report for a task that is already final under this lease. */
function settled(task: Pick<TaskRow, 'id' | 'result_hash'>, hash: string): ResultReply {
  if (task.result_hash === hash) return { ok: true, stored: false };
  if (task.result_hash === null) throw staleLease(task.id); // finalised by the hub (reaper), not by a report
  throw conflict(`task ${task.id} already has a different result for this attempt`);
}
