// Runs claimed tasks in `concurrency` slots: parse, run the op, report progress and the result (fenced by the lease token).
// Each task is a state machine (task-state.ts); running and held tasks: task-execute.ts; the drain: executor-drain.ts.
import type { LeaseRef, PingReply, ResultPost, TaskOffer } from '@simpul/protocol';
import { DEFAULT_INLINE_RESULT_MAX } from './blobs/task-blobs.ts';
import type { Released } from './disclosure/released.ts';
import { drainTasks } from './executor-drain.ts';
import { type ExecutorMode, modeTransition } from './executor-mode.ts';
import { handlers as defaultHandlers } from './ops/index.ts';
import { ProgressQueue } from './progress-queue.ts';
import { deliverAndRecord } from './result-delivery.ts';
import type { TaskStatus } from './status/file.ts';
import { type ExecuteContext, type HeldResult, awaitHeldResult, executeOrFail } from './task-execute.ts';
import { sendProgress } from './task-progress.ts';
import {
  Changes,
  type ExecutorOptions,
  type TaskReport,
  type TaskRun,
  abortTask,
  syncTaskTimer,
  taskLog,
  taskStatus,
} from './task-run.ts';
import {
  type TaskEffect,
  type TaskEvent,
  heldTask,
  holdsSlot,
  queuedTask,
  startable,
  taskTransition,
} from './task-state.ts';

export { type ExecutorOptions, type Reporter, TaskStop } from './task-run.ts';

export class Executor {
  private readonly tasks = new Map<string, TaskRun>();
  private mode: ExecutorMode = 'accepting'; // one way: drain() stops taking work for good (executor-mode.ts)
  private readonly hardStop = new AbortController(); // ends result retries when the grace period is over
  private readonly changed = new Changes();
  private inlineMax = DEFAULT_INLINE_RESULT_MAX; // the hub's, from its heartbeat replies
  private readonly execution: ExecuteContext; // what running and held tasks may use (task-execute.ts)
  /** Called whenever a slot frees up, so that the link can claim more work. */
  onSlotFree: () => void = () => {};

  constructor(private readonly opts: ExecutorOptions) {
    this.execution = {
      opts,
      handlers: opts.handlers ?? defaultHandlers,
      inlineMax: () => this.inlineMax,
      ran: (t) => void this.step(t, { type: 'ran' }),
      held: (t, held) => {
        void this.step(t, { type: 'hold' });
        void this.finishHeld(t, Date.now(), held);
      },
    };
  }

  /** Tasks holding a slot (waiting or running); tasks only delivering their result do not. */
  active(): number {
    return [...this.tasks.values()].filter((t) => holdsSlot(t.state)).length;
  }

  free(): number {
    return this.mode === 'accepting' ? Math.max(0, this.opts.concurrency - this.active()) : 0;
  }

  get draining(): boolean {
    return this.mode !== 'accepting';
  }

  /** Every lease held, including tasks whose result is still on its way: heartbeats renew them all. */
  leases(): LeaseRef[] {
    return [...this.tasks.values()].map((t) => ({ task_id: t.offer.task_id, lease_token: t.offer.lease_token }));
  }

  /** Every task held, with its last progress (for the status file). */
  snapshot(): TaskStatus[] {
    return [...this.tasks.values()].flatMap(taskStatus);
  }

  /**
   * Take a task. A push offer (`force` false) is refused when no slot is free. Tasks from a claim reply are already
   * leased to this runner, so they are always taken (`force`) and wait for a slot if need be.
   */
  accept(offer: TaskOffer, force = false): boolean {
    const known = this.tasks.get(offer.task_id);
    if (known && known.offer.lease_token === offer.lease_token) return true; // the same offer twice
    if (known && !known.stop) {
      // Leased to us again (our old lease ran out, e.g. while the hub restarted): the work is the same, so carry on
      // under the new token instead of starting over.
      known.log.info('task leased again; continuing under the new lease', { attempt: offer.attempt });
      known.offer = offer;
      known.log = taskLog(this.opts.log, offer);
      return true;
    }
    const held = this.opts.disclosure?.held.get(offer.task_id);
    if (!known && held && this.mode === 'accepting') {
      this.resumeHeld(offer);
      return true;
    }
    if (this.mode !== 'accepting' || (!force && this.free() <= 0)) return false;
    if (known)
      void this.step(known, {
        type: 'stop',
        reason: 'drop',
        message: 'the hub leased this task again under a new token',
      });
    const t = this.newRun(offer);
    t.log.info('task accepted', { timeout_s: offer.timeout_s });
    this.pump();
    return true;
  }

  /**
   * Results held for review when the runner last stopped: their tasks wait again (their leases are listed to the hub,
   * which keeps or drops them; a task leased again is picked up from its held result, not run again).
   */
  resumeHeldResults(): void {
    for (const h of this.opts.disclosure?.held.list() ?? []) if (!this.tasks.has(h.task_id)) this.resumeHeld(h.offer);
  }

  private resumeHeld(offer: TaskOffer): void {
    const t = this.newRun(offer, true);
    this.opts.disclosure?.held.updateOffer(offer.task_id, offer);
    t.log.info('held result found; waiting for the data owner again');
    void this.finishHeld(t, Date.now());
  }

  private newRun(offer: TaskOffer, held = false): TaskRun {
    const t: TaskRun = {
      offer,
      state: held ? heldTask() : queuedTask(),
      timer: null,
      controller: new AbortController(),
      progress: new ProgressQueue((percent, message) => sendProgress(this.opts.reporter, this, t, percent, message)),
      log: taskLog(this.opts.log, offer),
    };
    this.tasks.set(offer.task_id, t);
    return t;
  }

  /** Abort the task and report it canceled (unless its result is on its way already). */
  cancel(taskId: string, message = 'canceled by the hub'): void {
    const t = this.tasks.get(taskId);
    if (t) void this.step(t, { type: 'stop', reason: 'cancel', message });
  }

  /** Abandon the task silently: it is no longer this runner's. */
  drop(taskId: string, message = 'the hub says this task is no longer ours'): void {
    const t = this.tasks.get(taskId);
    if (t) void this.step(t, { type: 'stop', reason: 'drop', message });
  }

  /**
   * Act on a heartbeat or hello reply: keep is the default; cancel and drop are orders. `sent` are the leases the
   * heartbeat listed: a drop of a task leased to us again since then concerns the old lease only.
   */
  apply(reply: Pick<PingReply, 'cancel' | 'drop' | 'inline_result_max'>, sent?: LeaseRef[]): void {
    if (reply.inline_result_max) this.inlineMax = reply.inline_result_max;
    const token = new Map(sent?.map((l) => [l.task_id, l.lease_token]));
    const current = (id: string) => !sent || !token.has(id) || this.tasks.get(id)?.offer.lease_token === token.get(id);
    for (const id of reply.cancel) this.cancel(id);
    for (const id of reply.drop) if (current(id)) this.drop(id);
  }

  /** Stop taking work, let running tasks finish within `graceMs`, hand the rest back to the hub (executor-drain.ts). */
  drain(graceMs: number): Promise<{ finished: number; abandoned: number }> {
    return drainTasks(
      {
        tasks: this.tasks,
        changed: this.changed,
        reporter: this.opts.reporter,
        mode: (event) => void (this.mode = modeTransition(this.mode, event)),
        step: (t, event) => this.step(t, event),
        hardStop: () => this.hardStop.abort(),
      },
      graceMs,
    );
  }

  /** Resolves when every task is done (tests; drain uses its own deadline). */
  async idle(timeoutMs = 60_000): Promise<void> {
    await this.changed.until(() => !this.tasks.size, Date.now() + timeoutMs);
  }

  // The task's machine (task-state.ts): one transition, the timer the new state owns, then the effects.
  private step(t: TaskRun, event: TaskEvent, report?: TaskReport): Promise<void> {
    const { state, effects } = taskTransition(t.state, event);
    t.state = state;
    syncTaskTimer(t, (fired) => void this.step(t, fired));
    return Promise.all(effects.map((e) => this.effect(t, e, report))).then(() => {});
  }

  private async effect(t: TaskRun, e: TaskEffect, report?: TaskReport): Promise<void> {
    switch (e.kind) {
      case 'abort':
        return abortTask(t, e.reason, e.message);
      case 'run':
        return this.runTask(t);
      case 'deliver':
        return report && this.deliver(t, report.post, report.started);
      case 'abandon':
        t.log.info('task work abandoned', { reason: t.stop?.reason });
        return this.opts.audit?.record(t.offer, report?.started ?? Date.now(), null, false);
      case 'finish':
        if (this.tasks.get(t.offer.task_id) === t) this.tasks.delete(t.offer.task_id);
        return this.changed.notify();
      case 'slot-freed':
        return this.slotFreed();
      case 'slot-freed-soon':
        return void setImmediate(() => this.slotFreed());
    }
  }

  private pump(): void {
    let running = [...this.tasks.values()].filter((t) => t.state.phase === 'running').length;
    for (const t of this.tasks.values()) {
      if (running >= this.opts.concurrency) break;
      if (!startable(t.state)) continue;
      void this.step(t, { type: 'start', timeoutS: t.offer.timeout_s });
      running++;
    }
  }

  private slotFreed(): void {
    this.pump();
    this.changed.notify();
    if (this.free() > 0) this.onSlotFree();
  }

  private async runTask(t: TaskRun): Promise<void> {
    const started = Date.now();
    const post = await executeOrFail(this.execution, t);
    if (post === null) return; // held for review: finishHeld reports it
    await this.step(t, { type: 'report' }, { post, started });
  }

  /** A held result: wait for the owner's decision, then report it. */
  private async finishHeld(t: TaskRun, started: number, fresh?: HeldResult): Promise<void> {
    const post = await awaitHeldResult(this.execution, t, fresh);
    if (post) await this.step(t, { type: 'report' }, { post, started });
  }

  /** Deliver the result (the slot is free while it travels; an upload may take long), then forget the task. */
  private async deliver(t: TaskRun, post: Released<ResultPost>, started: number): Promise<void> {
    await deliverAndRecord(t, post, started, this.opts, this.hardStop.signal);
    await this.step(t, { type: 'delivered' });
  }
}
