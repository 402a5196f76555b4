// Enqueue: new tasks, then wake whoever can take them. Creates are stored in group commits: the create requests that
// arrive within one turn of the event loop (and those that arrive while a commit is under way) are written in one
// transaction, with their audit entries, and each is answered only after that transaction committed. A request whose
// check fails (a runner that does not exist or is revoked) fails alone; the others of its group are stored.
import { sql } from 'kysely';
import type { TaskCreate, TaskCreated } from '@simpul/protocol';
import { auditWithin, type AuditEvent } from '../audit/audit.ts';
import type { HubContext, LeasedOnCreate } from '../context.ts';
import type { Db, TaskRow } from '../db/schema.ts';
import { conflict, notFound } from '../errors.ts';
import { runnerRevocations } from '../store/runners.ts';
import { insertTasks, newTaskRows } from './tasks.ts';
import { hintFor } from './notifier.ts';
import { GroupCommit } from './group-commit.ts';

type Ctx = Pick<HubContext, 'db' | 'config' | 'events' | 'log' | 'leaseOnCreate'>;

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
  let leased: (LeasedOnCreate | undefined)[];
  try {
    const written = await ctx.db.transaction().execute((trx) => store(ctx, trx, group));
    outcome = written.outcome;
    leased = [written.leased];
  } catch (err) {
    if (group.length === 1) throw err;
    // A write failed the group: write each on its own, so that only that one fails.
    outcome = [];
    leased = [];
    for (const p of group) {
      // A lease counts only once its transaction committed.
      const one = await ctx.db
        .transaction()
        .execute((trx) => store(ctx, trx, [p]))
        .catch((e: Error) => e);
      if (one instanceof Error) outcome.push(one);
      else {
        outcome.push(one.outcome[0]);
        leased.push(one.leased);
      }
    }
  }
  const stored = group.filter((_, i) => outcome[i] === null);
  if (stored.length > 0) {
    const rows = stored.flatMap((p) => p.rows);
    for (const l of leased) l?.deliver();
    ctx.events.tasks(rows.map((r) => r.id));
    const waiting = rows.filter((r) => !leased.some((l) => l?.taken.has(r.id)));
    if (waiting.length > 0) ctx.events.available(hintFor(waiting));
  }
  group.forEach((p, i) => (outcome[i] === null ? p.resolve(created(p)) : p.reject(outcome[i])));
}

/**
 * Checks and writes a group in one transaction: null for each request stored, or why it was refused; and the tasks
 * leased at once to runners waiting on this hub (SQLite), delivered after the commit.
 */
async function store(
  ctx: Ctx,
  trx: Db,
  group: Pending[],
): Promise<{ outcome: (Error | null)[]; leased?: LeasedOnCreate }> {
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
  const rows = ok.flatMap((p) => p.rows);
  await insertTasks(trx, rows);
  await auditWithin(
    trx,
    ok.flatMap((p) => (p.audit ? p.audit(created(p)).map((event) => ({ event, at: p.now })) : [])),
  );
  return { outcome, leased: rows.length > 0 ? await leaseAtOnce(ctx, trx, rows) : undefined };
}

/** The lease at create, behind a savepoint: if it fails, the tasks are stored all the same and wait for a round. */
async function leaseAtOnce(ctx: Ctx, trx: Db, rows: TaskRow[]): Promise<LeasedOnCreate | undefined> {
  if (!ctx.leaseOnCreate) return undefined;
  await sql`savepoint lease_on_create`.execute(trx);
  try {
    const leased = await ctx.leaseOnCreate(trx, rows, Date.now());
    await sql`release savepoint lease_on_create`.execute(trx);
    return leased;
  } catch (err) {
    await sql`rollback to savepoint lease_on_create`.execute(trx);
    await sql`release savepoint lease_on_create`.execute(trx);
    ctx.log.warn('lease at create failed; the tasks wait for a dispatch round', { err });
    return undefined;
  }
}
