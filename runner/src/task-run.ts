// A claimed task as the executor runs it, how its progress and result reach the hub, and why it may stop.
import type {
  OpCode,
  ProgressReply,
  ReleaseReply,
  ReleaseRequest,
  ResultPost,
  ResultReply,
  TaskOffer,
  TaskProgress,
} from '@simpul/protocol';
import type { AuditLog } from './audit-log.ts';
import type { BlobClient } from './blobs/blob-client.ts';
import type { HeldStore } from './disclosure/held-store.ts';
import type { RowLedger } from './disclosure/ledger.ts';
import type { Released } from './disclosure/released.ts';
import type { Engine } from './engine/engine.ts';
import { HubError, NetworkError } from './errors.ts';
import type { Logger } from './log.ts';
import type { Handler } from './ops/index.ts';
import type { ProgressQueue } from './progress-queue.ts';
import type { TaskStatus } from './status/file.ts';
import { type TaskEvent, type TaskState, taskTimers } from './task-state.ts';

/** How progress and results reach the hub (the link picks socket or HTTP). One attempt each; throws NetworkError or HubError. */
export interface Reporter {
  progress(msg: TaskProgress): Promise<ProgressReply>;
  /** Only what passed the release gate can be posted (a plain ResultPost does not compile here). */
  result(msg: Released<ResultPost>): Promise<ResultReply>;
  /** Hand a lease back, so that the task runs elsewhere at once. */
  release?(msg: ReleaseRequest): Promise<ReleaseReply>;
}

export type StopReason = 'cancel' | 'timeout' | 'drop' | 'shutdown';

export const withTimeout = <T>(p: Promise<T> | undefined, ms: number) =>
  p === undefined
    ? Promise.resolve(undefined)
    : Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);

/** Why a task's signal aborted; handlers just see an aborted signal. */
export class TaskStop extends Error {
  constructor(
    readonly reason: StopReason,
    message: string,
  ) {
    super(message);
    this.name = 'TaskStop';
  }
}

/** A finished task's result on its way to the hub, and when the task started (for the audit log). */
export interface TaskReport {
  post: Released<ResultPost>;
  started: number;
}

export interface TaskRun {
  offer: TaskOffer;
  state: TaskState; // its phase and why it stopped (task-state.ts)
  timer: { key: string; handle: NodeJS.Timeout } | null; // the one its state owns (the timeout while it runs)
  controller: AbortController;
  stop?: TaskStop; // the reason its signal aborted with (the machine's abort effect sets it; state.stop is its kind)
  progress: ProgressQueue;
  log: Logger;
  heldUntil?: string; // sent with progress while the result is held for review
}

/** The task's logger: every line names the task, its op, attempt and request. */
export function taskLog(log: Logger, offer: TaskOffer): Logger {
  return log.child({ task_id: offer.task_id, op: offer.op, attempt: offer.attempt, request_id: offer.request_id });
}

/** The machine's abort effect: record why the task stops, abort its signal, and say so in its log. */
export function abortTask(t: TaskRun, reason: StopReason, message: string): void {
  t.stop = new TaskStop(reason, message);
  t.controller.abort(t.stop);
  t.log.info(reason === 'drop' ? 'task dropped' : reason === 'shutdown' ? 'task abandoned' : 'task stopping', {
    reason,
    message,
  });
}

export interface ExecutorOptions {
  concurrency: number;
  name?: string; // the runner's name (config `name`), written into exported reports
  engine: Engine;
  reporter: Reporter;
  log: Logger;
  handlers?: { [C in OpCode]: Handler<C> }; // tests may swap in their own
  blobs?: BlobClient; // uploads to the hub's blob store: exports and results over the inline limit
  audit?: AuditLog; // the data owner's local record of every task executed
  /** The release gate's state: the daily row budget, results held for review, the record-key salt. */
  disclosure?: { ledger: RowLedger; held: HeldStore; salt: number };
}

export const isStale = (e: unknown) =>
  e instanceof HubError && (e.code === 'stale_lease' || e.status === 409 || e.status === 404 || e.status === 403);
export const isRetryable = (e: unknown) =>
  e instanceof NetworkError || (e instanceof HubError && (e.status >= 500 || e.status === 429));

/** What `simpul-runner status` shows of a task held (none once it is done). */
export function taskStatus(t: TaskRun): TaskStatus[] {
  const { offer, progress, state } = t;
  if (state.phase === 'done') return [];
  return [
    {
      task_id: offer.task_id,
      op: offer.op,
      attempt: offer.attempt,
      ...(offer.request_id ? { request_id: offer.request_id } : {}),
      phase: state.phase,
      percent: progress.latest?.percent ?? null,
      ...(progress.latest?.message ? { message: progress.latest.message } : {}),
      since: new Date(progress.started).toISOString(),
    },
  ];
}

/** Wakes whoever waits for the set of tasks to change (drain, idle). */
export class Changes {
  private readonly waiting = new Set<() => void>();

  /** Resolves at the next change, or after `ms`. */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiting.add(done);
    });
  }

  /** Resolves once `settled()` holds, or at `deadline` (ms since the epoch). */
  async until(settled: () => boolean, deadline: number): Promise<void> {
    while (!settled() && Date.now() < deadline) await this.next(deadline - Date.now());
  }

  notify(): void {
    for (const f of [...this.waiting]) f();
  }
}

/** Arm the timer the task's state owns (task-state.ts `taskTimers`) unless it is armed; clear one it no longer owns. */
export function syncTaskTimer(t: TaskRun, fire: (event: TaskEvent) => void): void {
  const wanted = taskTimers(t.state)[0];
  if (t.timer && t.timer.key !== wanted?.key) {
    clearTimeout(t.timer.handle);
    t.timer = null;
  }
  if (!wanted || t.timer) return;
  const handle = setTimeout(() => {
    t.timer = null;
    fire(wanted.fires);
  }, wanted.ms);
  t.timer = { key: wanted.key, handle };
}
