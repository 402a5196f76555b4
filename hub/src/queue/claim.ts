// THE claim: one atomic statement that leases queued tasks to a runner; used by socket push and HTTP polling alike.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { TaskOffer } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import type { Database, TaskRow } from '../db/schema.ts';
import { runnerMayClaim } from '../auth/runner-access.ts';
import { newId } from '../auth/tokens.ts';
import { iso } from '../store/json.ts';
import { approvedSite } from '../store/sites.ts';
import { taskParams } from '../store/views.ts';

export interface Claimant {
  id: string;
  datasets: string[]; // names the runner advertises
  draining?: boolean;
}

export function toOffer(row: TaskRow): TaskOffer {
  return {
    task_id: row.id,
    op: row.op as TaskOffer['op'],
    params: taskParams(row),
    attempt: row.attempt,
    lease_token: row.lease_token ?? '',
    lease_expires_at: iso(row.lease_expires_at ?? 0),
    timeout_s: row.timeout_s,
    request_id: row.request_id ?? `${row.id}.${row.attempt}`, // the creating request's id; else one per attempt
    ...(row.created_by ? { requested_by: row.created_by } : {}), // the analyst: runners keep row budgets per analyst
  };
}

/**
 * Leases up to `limit` tasks that are queued, due (available_at <= now) and meant for this runner: targeted at it, or
 * untargeted for a dataset it advertises. Oldest first. Each gets attempt+1, a fresh lease token and an attempt row.
 */
export async function claim(ctx: Pick<HubContext, 'db' | 'kind' | 'config' | 'events' | 'metrics'>, runner: Claimant, limit: number, now = Date.now()): Promise<TaskOffer[]> {
  if (runner.draining || limit < 1) return [];
  const { db, kind, config } = ctx;

  // Two picks, each walking its index in created_at order and stopping after `limit` rows: tasks addressed to this
  // runner, and untargeted tasks of its datasets. The oldest of both are leased.
  const picks = async (trx: Kysely<Database>, lock: boolean) => {
    const pick = (branch: 'target' | 'dataset') => {
      let q = trx
        .selectFrom('tasks')
        .select(['id', 'created_at'])
        .where('status', '=', 'queued')
        .where((eb) => (branch === 'target' ? eb('target_runner_id', '=', runner.id) : eb.and([eb('target_runner_id', 'is', null), eb('dataset', 'in', runner.datasets), approvedSite(eb, runner.id)])))
        .where('available_at', '<=', now)
        .where((eb) => runnerMayClaim(eb, runner.id)) // not revoked; a runner that is not shared serves only its users
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit);
      // PostgreSQL: concurrent claimers skip each other's rows instead of waiting or double-leasing.
      // SQLite: writers are serialised by the database lock, so the picks + update are atomic as they are.
      if (lock && kind === 'postgres') q = q.forUpdate().skipLocked();
      return q.execute();
    };
    return [...(await pick('target')), ...(runner.datasets.length > 0 ? await pick('dataset') : [])]
      .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
      .slice(0, limit)
      .map((p) => p.id);
  };

  // Most claims find nothing (an idle runner asking, a dispatch round for a slot that freed): a plain read says so
  // without taking the write lock (SQLite) or opening a transaction.
  if ((await picks(db, false)).length === 0) return [];

  // One random part per claim; appending the task id keeps every lease token unique.
  const tokenPrefix = 'lease_' + randomBytes(18).toString('base64url') + '.';
  const leaseUntil = now + Math.round(config.leaseTtlS * 1000);

  const rows = await db.transaction().execute(async (trx) => {
    const picked = await picks(trx, true);
    if (picked.length === 0) return [];

    const leased = await trx
      .updateTable('tasks')
      .set({
        status: 'leased',
        runner_id: runner.id,
        attempt: sql<number>`attempt + 1`,
        lease_token: sql<string>`${tokenPrefix} || id`,
        lease_expires_at: leaseUntil,
        deadline_at: sql<number>`cast(${now} as bigint) + timeout_s * 1000`,
        progress: null,
        progress_message: null,
        updated_at: now,
      })
      .where('id', 'in', picked)
      .returningAll()
      .execute();

    if (leased.length > 0) {
      await trx
        .insertInto('task_attempts')
        .values(
          leased.map((t) => ({
            id: newId('att'),
            task_id: t.id,
            attempt: t.attempt,
            runner_id: runner.id,
            lease_token: t.lease_token!,
            started_at: now,
            ended_at: null,
            outcome: 'running' as const,
            error: null,
          })),
        )
        .execute();
    }
    return leased;
  });

  if (rows.length === 0) return [];
  ctx.metrics?.claimed(rows, now);
  rows.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  ctx.events.tasks(rows.map((r) => r.id));
  ctx.events.runners([runner.id]);
  return rows.map(toOffer);
}
