// Enqueue: new tasks, then wake whoever can take them. Creates are stored in group commits: the create requests that
// arrive within one turn of the event loop (and those that arrive while a commit is under way) are written in one
// transaction, with their audit entries, and each is answered only after that transaction committed. A request whose
// check fails (a runner that does not exist or is revoked) fails alone; the others of its group are stored.
import type { TaskCreate, TaskCreated } from '@simpul/protocol';
import { auditWithin, type AuditEvent } from '../audit/audit.ts';
import type { HubContext } from '../context.ts';
import type { Db, TaskRow } from '../db/schema.ts';
import { conflict, notFound } from '../errors.ts';
import { runnerRevocations } from '../store/runners.ts';
import { insertTasks, newTaskRows } from './tasks.ts';
import { hintFor } from './notifier.ts';
import { GroupCommit } from './group-commit.ts';

type Ctx = Pick<HubContext, 'db' | 'config' | 'events'>;

/** What the creation of these tasks writes to the audit log (in the transaction that stores them). */
export type CreateAudit = (created: TaskCreated[]) => AuditEvent[];

/** Most tasks one group transaction writes; more wait for the next. */
const MAX_GROUP_TASKS = 2000;

interface Pending {
  rows: TaskRow[];
  targets: string[];
  audit: CreateAudit | undefined;
  now: number;
  resolve(created: TaskCreated[]): void;
  reject(err: unknown): void;
}

/**
 * A task names a runner (it must exist) or only a dataset (accepted even if no runner advertises it yet: one may come).
 * Resolves once the tasks (and `audit`'s entries) are committed.
 */
export function enqueue(
  ctx: Ctx,
  inputs: TaskCreate[],
  createdBy: string | null,
  now = Date.now(),
  requestId: string | null = null,
  audit?: CreateAudit,
): Promise<TaskCreated[]> {
  const rows = newTaskRows(
    inputs,
    createdBy,
    { timeoutS: ctx.config.taskTimeoutS, maxAttempts: ctx.config.maxAttempts },
    now,
    requestId,
  );
  const targets = [...new Set(inputs.map((t) => t.runner_id).filter((id): id is string => id !== undefined))];
  let w = writers.get(ctx.db);
  if (!w) writers.set(ctx.db, (w = new CreateWriter()));
  return w.submit(ctx, { rows, targets, audit, now });
}

/** One writer per database: its groups are written one after another. */
const writers = new WeakMap<Db, CreateWriter>();

type Queued = { ctx: Ctx; item: Pending };

class CreateWriter {
  private readonly groups = new GroupCommit<Queued>(
    (waiting) => {
      // A group shares one context (tests may run several hubs' contexts over one database) and a size cap.
      const ctx = waiting[0].ctx;
      const group: Queued[] = [];
      const later: Queued[] = [];
      let n = 0;
      for (const q of waiting) {
        if (q.ctx !== ctx || (group.length > 0 && n + q.item.rows.length > MAX_GROUP_TASKS)) later.push(q);
        else {
          group.push(q);
          n += q.item.rows.length;
        }
      }
      return { group, later };
    },
    (group) =>
      writeGroup(
        group[0].ctx,
        group.map((q) => q.item),
      ),
    (group, err) => group.forEach((q) => q.item.reject(err)),
  );

  submit(ctx: Ctx, item: Omit<Pending, 'resolve' | 'reject'>): Promise<TaskCreated[]> {
    return new Promise((resolve, reject) => this.groups.add({ ctx, item: { ...item, resolve, reject } }));
  }
}

const created = (p: Pending): TaskCreated[] => p.rows.map((r) => ({ task_id: r.id, status: r.status }));

async function writeGroup(ctx: Ctx, group: Pending[]): Promise<void> {
  let outcome: (Error | null)[];
  try {
    outcome = await ctx.db.transaction().execute((trx) => store(trx, group));
  } catch (err) {
    if (group.length === 1) throw err;
    // A write failed the group: write each on its own, so that only that one fails.
    outcome = [];
    for (const p of group)
      outcome.push(
        await ctx.db
          .transaction()
          .execute(async (trx) => (await store(trx, [p]))[0])
          .catch((e: Error) => e),
      );
  }
  const stored = group.filter((_, i) => outcome[i] === null);
  if (stored.length > 0) {
    const rows = stored.flatMap((p) => p.rows);
    ctx.events.tasks(rows.map((r) => r.id));
    ctx.events.available(hintFor(rows));
  }
  group.forEach((p, i) => (outcome[i] === null ? p.resolve(created(p)) : p.reject(outcome[i])));
}

/** Checks and writes a group in one transaction: null for each request stored, or why it was refused. */
async function store(trx: Db, group: Pending[]): Promise<(Error | null)[]> {
  const targets = [...new Set(group.flatMap((p) => p.targets))];
  const byId = new Map(targets.length ? (await runnerRevocations(trx, targets)).map((r) => [r.id, r]) : []);
  const outcome = group.map((p) => {
    const missing = p.targets.filter((id) => !byId.has(id));
    if (missing.length > 0) return notFound(`no runner ${missing.join(', ')}`);
    const revoked = p.targets.filter((id) => byId.get(id)!.revoked_at !== null);
    if (revoked.length > 0) return conflict(`runner ${revoked.join(', ')} is revoked and takes no tasks`);
    return null;
  });
  const ok = group.filter((_, i) => outcome[i] === null);
  await insertTasks(
    trx,
    ok.flatMap((p) => p.rows),
  );
  await auditWithin(
    trx,
    ok.flatMap((p) => (p.audit ? p.audit(created(p)).map((event) => ({ event, at: p.now })) : [])),
  );
  return outcome;
}
