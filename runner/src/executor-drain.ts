// The executor's shutdown: the stages of a drain (executor-mode.ts) carried out over the tasks it holds.
// Running tasks get the grace period to finish; what still holds a slot then is released to the hub and stopped.
import type { ModeEvent } from './executor-mode.ts';
import { type Changes, type Reporter, type TaskRun, withTimeout } from './task-run.ts';
import { type TaskEvent, holdsSlot } from './task-state.ts';

/** What a drain reaches of the executor. */
export interface DrainHost {
  tasks: Map<string, TaskRun>;
  changed: Changes;
  reporter: Reporter;
  /** Moves the executor's mode on (modeTransition). */
  mode(event: ModeEvent): void;
  step(t: TaskRun, event: TaskEvent): Promise<void>;
  /** Ends result retries when the grace period is over. */
  hardStop(): void;
}

/** Stop taking work, give running tasks up to `graceMs` to finish and report, then hand the rest back to the hub. */
export async function drainTasks(h: DrainHost, graceMs: number): Promise<{ finished: number; abandoned: number }> {
  h.mode('drain');
  const before = h.tasks.size;
  await h.changed.until(() => !h.tasks.size, Date.now() + graceMs);
  h.mode('grace-over');
  // Held results stay on disk and keep their leases until those run out: the hub offers the task again later.
  const left = [...h.tasks.values()].filter((t) => holdsSlot(t.state));
  const shutdown: TaskEvent = { type: 'stop', reason: 'shutdown', message: 'the runner is shutting down' };
  for (const t of h.tasks.values()) if (t.state.phase === 'held') void h.step(t, shutdown);
  // Released leases are queued again at once; a release that does not get through leaves the lease to expire.
  await Promise.allSettled(
    left.map((t) =>
      withTimeout(
        h.reporter.release?.({
          task_id: t.offer.task_id,
          lease_token: t.offer.lease_token,
          reason: 'the runner is shutting down',
        }),
        3000,
      ),
    ),
  );
  h.mode('released');
  for (const t of left) void h.step(t, shutdown);
  h.hardStop();
  await h.changed.until(() => !h.tasks.size, Date.now() + 5000);
  h.mode('unwound');
  return { finished: before - left.length, abandoned: left.length };
}
