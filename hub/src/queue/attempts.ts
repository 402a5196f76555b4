// A task's attempts. The current (or last) one is described by the task's own row — runner_id, attempt, lease_token,
// leased_at and its state — so that a lease and a result write no attempt row. task_attempts holds the attempts that
// ended while the task went on (released, lost) and those the reaper ended (lost, timeout); each is written once, when
// it ends (1200_current_attempt; rows written before it stay, and a row for the task's lease wins over the task row).
import type { AttemptOutcome, TaskState } from '@simpul/protocol';
import { newSortableId } from '../auth/tokens.ts';
import type { AttemptRow, Db, TaskRow } from '../db/schema.ts';
import { toJson } from '../store/json.ts';

type Held = Pick<TaskRow, 'id' | 'attempt' | 'runner_id' | 'lease_token' | 'leased_at' | 'started_at' | 'created_at'>;

/** When the attempt was leased; rows from before leased_at existed fall back to the task's first start. */
const leasedAt = (t: Held): number => t.leased_at ?? t.started_at ?? t.created_at;

/** Records the end of the task's current attempt, in the caller's transaction (the one that moves the task on). */
export async function endAttempt(
  trx: Db,
  t: Held,
  outcome: Exclude<AttemptOutcome, 'running'>,
  error: unknown,
  now: number,
): Promise<void> {
  if (!t.lease_token || !t.runner_id) return;
  await trx
    .insertInto('task_attempts')
    .values({
      id: newSortableId('att', 12, now),
      task_id: t.id,
      attempt: t.attempt,
      runner_id: t.runner_id,
      lease_token: t.lease_token,
      started_at: leasedAt(t),
      ended_at: now,
      outcome,
      error: error ? toJson(error) : null,
    })
    .onConflict((oc) => oc.column('lease_token').doNothing()) // a lease ends once; the task's conditional update fenced it
    .execute();
}

const OUTCOME: Record<TaskState, AttemptOutcome | null> = {
  queued: null, // a queued task holds no lease (a release or an expiry ended the last one, and recorded it)
  leased: 'running',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
};

/** The attempt the task's row describes, if it holds (or last held) a lease that no task_attempts row recorded. */
function currentAttempt(t: TaskRow): AttemptRow | null {
  // A runner that stopped a task at its timeout reports it failed with code timeout: that attempt timed out.
  const outcome = t.status === 'failed' && errorCode(t.error) === 'timeout' ? 'timeout' : OUTCOME[t.status];
  if (!outcome || !t.lease_token || !t.runner_id) return null;
  const ended = outcome !== 'running';
  return {
    id: t.lease_token,
    task_id: t.id,
    attempt: t.attempt,
    runner_id: t.runner_id,
    lease_token: t.lease_token,
    started_at: leasedAt(t),
    ended_at: ended ? (t.finished_at ?? t.updated_at) : null,
    outcome,
    error: ended ? t.error : null,
  };
}

function errorCode(error: string | null): unknown {
  try {
    return error ? (JSON.parse(error) as { code?: unknown } | null)?.code : undefined;
  } catch {
    return undefined; // attemptView reports the unreadable error itself
  }
}

/** Every attempt of the task, oldest first. */
export async function listAttempts(db: Db, task: TaskRow): Promise<AttemptRow[]> {
  const rows = await db
    .selectFrom('task_attempts')
    .selectAll()
    .where('task_id', '=', task.id)
    .orderBy('started_at')
    .orderBy('attempt')
    .execute();
  const current = currentAttempt(task);
  if (current && !rows.some((r) => r.lease_token === current.lease_token)) rows.push(current);
  return rows;
}

/**
 * Whether this runner, which does not hold the task now, held it before (its late reports are stale, not foreign):
 * every attempt that ended while the task went on to another lease has its row.
 */
export async function runnerEverHeld(db: Db, taskId: string, runnerId: string): Promise<boolean> {
  const row = await db
    .selectFrom('task_attempts')
    .select('id')
    .where('task_id', '=', taskId)
    .where('runner_id', '=', runnerId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
