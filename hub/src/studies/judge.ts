// What each sub-task of a round amounts to for its study: delivered, failed, offline, abandoned, or still pending.
import { ErrorInfo, FederatedPartial, type SubTaskOutcome } from '@simpul/protocol';
import type { RunnerRow, TaskRow } from '../db/schema.ts';
import { fromJson, StoredJsonError } from '../store/json.ts';
import type { StudyTaskRow } from './store.ts';
import { runnerDatasets } from '../store/views.ts';
import { implausible } from './plausible.ts';

export interface Judged {
  link: StudyTaskRow;
  task: TaskRow | undefined;
  outcome: SubTaskOutcome;
  error: ErrorInfo | null;
}

const linkError = (link: StudyTaskRow): ErrorInfo | null =>
  fromJson(link.error, ErrorInfo.nullable(), null, {
    table: 'study_tasks',
    id: `${link.study_id}/${link.task_id}`,
    column: 'error',
  });

/** From the rows alone (no decisions): the study's own verdict first, then the task's state. */
export function outcomeOf(link: StudyTaskRow, task: TaskRow | undefined): Judged {
  if (link.outcome !== null) return { link, task, outcome: link.outcome, error: linkError(link) };
  if (!task)
    return {
      link,
      task,
      outcome: 'failed',
      error: { code: 'internal', message: `sub-task ${link.task_id} is missing` },
    };
  if (task.status === 'succeeded') return { link, task, outcome: 'delivered', error: null };
  if (task.status === 'failed' || task.status === 'canceled') {
    const error = fromJson(task.error, ErrorInfo.nullable(), null, {
      table: 'tasks',
      id: task.id,
      column: 'error',
    }) ?? { code: task.status === 'canceled' ? 'canceled' : 'op_failed', message: `the sub-task ${task.status}` };
    return { link, task, outcome: 'failed', error };
  }
  return { link, task, outcome: 'pending', error: null };
}

export interface Liveness {
  now: number;
  offlineMs: number;
  /** How much later a runner on a socket (of another hub) may have last_seen written (config lastSeenWriteS). */
  socketSeenLagMs?: number;
  /** A live socket on this hub (last_seen covers runners heard by other hubs or by HTTP). */
  connected(runnerId: string): boolean;
}

/** Why the study should stop waiting for a pending sub-task's runner, or null while it may still come. */
export function offlineReason(runner: RunnerRow | undefined, runnerId: string, live: Liveness): ErrorInfo | null {
  if (!runner) return { code: 'lost', message: `runner ${runnerId} no longer exists` };
  if (runner.revoked_at !== null) return { code: 'lost', message: `runner ${runner.name} (${runner.id}) was revoked` };
  if (live.connected(runner.id)) return null;
  const silent = live.now - (runner.last_seen ?? 0);
  const lag = runner.transport === 'websocket' ? (live.socketSeenLagMs ?? 0) : 0;
  if (silent <= live.offlineMs + lag) return null;
  return {
    code: 'lost',
    message: `runner ${runner.name} (${runner.id}) was offline for more than ${Math.round(live.offlineMs / 1000)} s; the study stopped waiting for it`,
  };
}

/**
 * A sub-task that no runner started within its timeout_s (e.g. its only runner stopped serving the dataset): the
 * reaper backstops timeout_s once a task is leased, this does so while it waits in the queue.
 */
export function queuedTooLong(task: TaskRow | undefined, now: number): ErrorInfo | null {
  if (task?.status !== 'queued' || now - task.created_at <= task.timeout_s * 1000) return null;
  return { code: 'timeout', message: `sub-task ${task.id} was not started within its timeout of ${task.timeout_s} s` };
}

/** A delivered sub-task's partial, or why it cannot be used (an impossible one is refused as that site's failure). */
export function partialOf(task: TaskRow, runner?: RunnerRow): { partial: FederatedPartial } | { error: ErrorInfo } {
  if (task.result === null)
    return { error: { code: 'op_failed', message: `the result of sub-task ${task.id} has expired` } };
  // The result is what the runner sent: one that is not a partial is that site's failure, not a corrupt database.
  let partial: FederatedPartial | null;
  try {
    partial = fromJson(task.result, FederatedPartial.nullable(), null, {
      table: 'tasks',
      id: task.id,
      column: 'result',
    });
  } catch (e) {
    if (!(e instanceof StoredJsonError)) throw e;
    partial = null;
  }
  if (!partial)
    return {
      error: { code: 'op_failed', message: `sub-task ${task.id} returned something other than a federated partial` },
    };
  const rowCount = runner ? (runnerDatasets(runner).find((d) => d.name === task.dataset)?.row_count ?? null) : null;
  const why = implausible(partial, rowCount);
  if (why) {
    const who = runner ? `${runner.name} (${runner.id})` : `the runner of sub-task ${task.id}`;
    return {
      error: {
        code: 'implausible_partial',
        message: `${who} sent a partial that cannot be true: ${why}; it was refused`,
        details: { task_id: task.id },
      },
    };
  }
  return { partial };
}
