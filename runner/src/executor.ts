// Runs claimed tasks in `concurrency` slots: parse, run the op, report progress and the result (fenced by the lease token).
import {
  type LeaseRef,
  OP_NAMES,
  type OpCode,
  OpParams,
  type PingReply,
  type ResultPost,
  type TaskOffer,
  type TaskProgress,
} from '@simpul/protocol';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareResult, shipResult } from './blobs/large-result.ts';
import { DEFAULT_INLINE_RESULT_MAX, taskBlobs } from './blobs/task-blobs.ts';
import { AWAITING_RELEASE, awaitDecision, holdNew } from './disclosure/hold.ts';
import { type Prepared, ownFailure, succeededPost } from './disclosure/outgoing.ts';
import type { Released } from './disclosure/released.ts';
import type { Engine } from './engine/engine.ts';
import { TaskFailure, errorMessage } from './errors.ts';
import { formatIssues } from './issues.ts';
import { type Handler, type OpContext, handlers as defaultHandlers } from './ops/index.ts';
import { ProgressQueue } from './progress-queue.ts';
import { deliverResult } from './result-delivery.ts';
import { gateFor, taskOutcome } from './task-outcome.ts';
import type { TaskStatus } from './status/file.ts';
import { type ExecutorOptions, type TaskRun, TaskStop, isStale, withTimeout } from './task-run.ts';

export { type ExecutorOptions, type Reporter, TaskStop } from './task-run.ts';

export class Executor {
  private readonly tasks = new Map<string, TaskRun>();
  private readonly handlers: { [C in OpCode]: Handler<C> };
  private accepting = true;
  private readonly hardStop = new AbortController(); // ends result retries when the grace period is over
  private readonly changed = new Set<() => void>();
  private inlineMax = DEFAULT_INLINE_RESULT_MAX; // the hub's, from its heartbeat replies
  /** Called whenever a slot frees up, so that the link can claim more work. */
  onSlotFree: () => void = () => {};

  constructor(private readonly opts: ExecutorOptions) {
    this.handlers = opts.handlers ?? defaultHandlers;
  }

  get concurrency(): number {
    return this.opts.concurrency;
  }

  /** Tasks holding a slot (waiting or running); tasks only delivering their result do not. */
  active(): number {
    let n = 0;
    for (const t of this.tasks.values()) if (t.phase === 'queued' || t.phase === 'running') n++;
    return n;
  }

  free(): number {
    return this.accepting ? Math.max(0, this.opts.concurrency - this.active()) : 0;
  }

  get draining(): boolean {
    return !this.accepting;
  }

  /** Every lease held, including tasks whose result is still on its way: heartbeats renew them all. */
  leases(): LeaseRef[] {
    return [...this.tasks.values()].map((t) => ({ task_id: t.offer.task_id, lease_token: t.offer.lease_token }));
  }

  holds(taskId: string): boolean {
    return this.tasks.has(taskId);
  }

  /** Every task held, with its last progress (for the status file). */
  snapshot(): TaskStatus[] {
    return [...this.tasks.values()].map((t) => ({
      task_id: t.offer.task_id,
      op: t.offer.op,
      attempt: t.offer.attempt,
      ...(t.offer.request_id ? { request_id: t.offer.request_id } : {}),
      phase: t.phase,
      percent: t.progress.latest?.percent ?? null,
      ...(t.progress.latest?.message ? { message: t.progress.latest.message } : {}),
      since: new Date(t.progress.started).toISOString(),
    }));
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
      known.log = this.opts.log.child({ task_id: offer.task_id, op: offer.op, attempt: offer.attempt, request_id: offer.request_id });
      return true;
    }
    const held = this.opts.disclosure?.held.get(offer.task_id);
    if (!known && held && this.accepting) {
      this.resumeHeld(offer);
      return true;
    }
    if (!this.accepting || (!force && this.free() <= 0)) return false;
    if (known) this.stop(known, new TaskStop('drop', 'the hub leased this task again under a new token'));
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
    const t = this.newRun(offer);
    t.phase = 'held';
    this.opts.disclosure?.held.updateOffer(offer.task_id, offer);
    t.log.info('held result found; waiting for the data owner again');
    void this.finishHeld(t, Date.now());
  }

  private newRun(offer: TaskOffer): TaskRun {
    const log = this.opts.log.child({ task_id: offer.task_id, op: offer.op, attempt: offer.attempt, request_id: offer.request_id });
    const t: TaskRun = {
      offer,
      phase: 'queued',
      controller: new AbortController(),
      progress: new ProgressQueue((percent, message) => this.sendProgress(t, percent, message)),
      log,
    };
    this.tasks.set(offer.task_id, t);
    return t;
  }

  /** Abort the task and report it canceled. */
  cancel(taskId: string, message = 'canceled by the hub'): void {
    const t = this.tasks.get(taskId);
    if (t && t.phase !== 'reporting') this.stop(t, new TaskStop('cancel', message));
  }

  /** Abandon the task silently: it is no longer this runner's. */
  drop(taskId: string, message = 'the hub says this task is no longer ours'): void {
    const t = this.tasks.get(taskId);
    if (t) this.stop(t, new TaskStop('drop', message));
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

  /** Stop taking work, give running tasks up to `graceMs` to finish and report, then hand the rest back to the hub. */
  async drain(graceMs: number): Promise<{ finished: number; abandoned: number }> {
    this.accepting = false;
    const before = this.tasks.size;
    const deadline = Date.now() + graceMs;
    while (this.tasks.size && Date.now() < deadline) await this.waitForChange(deadline - Date.now());
    // Held results stay on disk and keep their leases until those run out: the hub offers the task again later.
    const left = [...this.tasks.values()].filter((t) => t.phase === 'queued' || t.phase === 'running');
    for (const t of this.tasks.values()) if (t.phase === 'held') this.stop(t, new TaskStop('shutdown', 'the runner is shutting down'));
    // Released leases are queued again at once; a release that does not get through leaves the lease to expire.
    await Promise.allSettled(
      left.map((t) => withTimeout(this.opts.reporter.release?.({ task_id: t.offer.task_id, lease_token: t.offer.lease_token, reason: 'the runner is shutting down' }), 3000)),
    );
    for (const t of left) this.stop(t, new TaskStop('shutdown', 'the runner is shutting down'));
    this.hardStop.abort();
    const unwind = Date.now() + 5000;
    while (this.tasks.size && Date.now() < unwind) await this.waitForChange(unwind - Date.now());
    return { finished: before - left.length, abandoned: left.length };
  }

  /** Resolves when every task is done (tests; drain uses its own deadline). */
  async idle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.tasks.size && Date.now() < deadline) await this.waitForChange(deadline - Date.now());
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.changed.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.changed.add(done);
    });
  }

  private notify(): void {
    for (const f of [...this.changed]) f();
  }

  private stop(t: TaskRun, why: TaskStop): void {
    if (t.stop && t.stop.reason !== 'cancel') return; // a drop or shutdown outranks a cancel, never the other way
    t.stop = why;
    t.controller.abort(why);
    t.log.info(why.reason === 'drop' ? 'task dropped' : why.reason === 'shutdown' ? 'task abandoned' : 'task stopping', { reason: why.reason, message: why.message });
    if (t.phase === 'queued' && (why.reason === 'drop' || why.reason === 'shutdown')) this.finish(t);
  }

  private pump(): void {
    let running = 0;
    for (const t of this.tasks.values()) if (t.phase === 'running') running++;
    for (const t of this.tasks.values()) {
      if (running >= this.opts.concurrency) break;
      if (t.phase !== 'queued' || t.stop?.reason === 'drop' || t.stop?.reason === 'shutdown') continue;
      t.phase = 'running';
      running++;
      void this.run(t);
    }
  }

  private finish(t: TaskRun): void {
    if (this.tasks.get(t.offer.task_id) === t) this.tasks.delete(t.offer.task_id);
    this.notify();
  }

  private slotFreed(): void {
    this.pump();
    this.notify();
    if (this.free() > 0) this.onSlotFree();
  }

  private async run(t: TaskRun): Promise<void> {
    const started = Date.now();
    let post: Released<ResultPost> | null = null;
    try {
      post = await this.execute(t);
    } catch (e) {
      t.log.error('task crashed', { error: errorMessage(e) }); // execute() maps every error; this is a bug
      post = ownFailure(t.offer, 'op_failed', 'the runner failed while running this task; its log says why');
    }
    if (post === null) return; // held for review: finishHeld reports it
    await this.report(t, post, started);
  }

  /** Abandoned work is only audited; anything else is delivered, with the slot freed while it travels. */
  private async report(t: TaskRun, post: Released<ResultPost>, started: number): Promise<void> {
    if (t.stop?.reason === 'drop' || t.stop?.reason === 'shutdown') {
      t.log.info('task work abandoned', { reason: t.stop.reason });
      this.opts.audit?.record(t.offer, started, null, false);
      this.finish(t);
      this.slotFreed();
      return;
    }
    const wasHeld = t.phase === 'held';
    t.phase = 'reporting';
    const result = post;
    const delivered = (async () => {
      // A success needs no last report: the result sets the hub's progress to 100. A failure keeps its last progress there.
      if (result.status === 'succeeded') await t.progress.done();
      else await t.progress.flush();
      return deliverResult(t, result, this.opts.reporter, this.hardStop.signal);
    })();
    // The slot is free while the result travels (an upload may take long); the claim for more work that freeing it sends
    // goes out a turn later, after the result, so that the hub stores the result first.
    if (!wasHeld) setImmediate(() => this.slotFreed());
    const sent = await delivered;
    if (sent) this.opts.disclosure?.held.remove(t.offer.task_id);
    this.opts.audit?.record(t.offer, started, sent ?? post, sent !== null);
    t.log.info('task finished', { status: sent?.status ?? 'not delivered', error: sent?.error?.code, ms: Date.now() - started });
    this.finish(t);
  }

  /**
   * Run the op, pass its result through the release gate, write any file it needs, hold it for review if the policy
   * says so (then null: finishHeld reports it), upload and return the post.
   */
  private async execute(t: TaskRun): Promise<Released<ResultPost> | null> {
    const { offer } = t;
    const signal = t.controller.signal;
    t.progress.push(0, 'started'); // the hub marks the task running on the first report (sent after the quiet start)
    const timer = setTimeout(
      () => this.stop(t, new TaskStop('timeout', `the task ran longer than its timeout of ${offer.timeout_s} s`)),
      offer.timeout_s * 1000,
    );
    let session: Awaited<ReturnType<Engine['session']>> | null = null;
    let gate = gateFor(this.opts, offer, undefined);
    let dir: string | null = null;
    let cleanup: (() => Promise<void>) | undefined;
    try {
      const parsed = OpParams[offer.op].safeParse(offer.params);
      if (!parsed.success) throw new TaskFailure('invalid_params', `params of op ${offer.op} do not parse:\n${formatIssues(parsed.error, '  ')}`, parsed.error.issues);
      const params = parsed.data;
      gate = gateFor(this.opts, offer, params.dataset);
      const allowed = this.opts.engine.policy(params.dataset)?.allow_ops;
      if (allowed && !allowed.includes(offer.op)) {
        throw new TaskFailure('policy_denied', `dataset "${params.dataset}" does not allow operation ${offer.op} (${OP_NAMES[offer.op]}) on this runner (policy allow_ops: ${allowed.join(', ') || 'none'})`);
      }
      signal.throwIfAborted();
      session = await this.opts.engine.session(signal);
      const g = gate;
      const ctx: OpContext = {
        task_id: offer.task_id,
        op: offer.op,
        params,
        engine: this.opts.engine,
        db: session,
        progress: (percent, message) => {
          if (!signal.aborted) t.progress.push(percent, g.progress(message));
        },
        signal,
        log: t.log,
        gate,
        ...(this.opts.blobs ? { blobs: taskBlobs(this.opts.blobs, () => t.offer, signal, () => this.inlineMax) } : {}),
      };
      const unreleased = await (this.handlers[offer.op] as Handler)(ctx);
      if (unreleased.kind === 'file') cleanup = unreleased.cleanup;
      const out = gate.release(unreleased);
      dir = await mkdtemp(join(tmpdir(), 'simpul-result-'));
      const prepared = await prepareResult(ctx, out, dir);
      signal.throwIfAborted();
      if (gate.holds && gate.policy && this.opts.disclosure) {
        clearTimeout(timer); // a held result waits for its owner, not for the task's timeout
        const held = holdNew(this.opts.disclosure.held, t.offer, prepared, gate.policy.reviewTtlS);
        this.opts.audit?.decision({ task_id: offer.task_id, decision: 'held' });
        t.phase = 'held';
        setImmediate(() => this.slotFreed());
        void this.finishHeld(t, Date.now(), held);
        return null;
      }
      const result = await shipResult(prepared, ctx.blobs, ctx.progress);
      signal.throwIfAborted(); // canceled while finishing: the analyst asked to stop, so report that
      return succeededPost(t.offer, result);
    } catch (e) {
      return taskOutcome(t, gate, e);
    } finally {
      clearTimeout(timer);
      session?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
      await cleanup?.();
    }
  }

  /** A held result: wait for the owner's decision, then upload and deliver it (or report the refusal). */
  private async finishHeld(t: TaskRun, started: number, fresh?: ReturnType<typeof holdNew>): Promise<void> {
    const d = this.opts.disclosure;
    const held = fresh ?? d?.held.get(t.offer.task_id);
    if (!d || !held) return;
    const gate = gateFor(this.opts, t.offer, held.dataset ?? undefined);
    let post: Released<ResultPost>;
    try {
      t.progress.push(t.progress.latest?.percent ?? 99, AWAITING_RELEASE);
      const prepared: Prepared = await awaitDecision(held, {
        store: d.held,
        offer: () => t.offer,
        ttlS: 0,
        signal: t.controller.signal,
        report: (until) => {
          t.heldUntil = until;
          t.progress.push(99, AWAITING_RELEASE);
        },
        audit: (entry) => this.opts.audit?.decision(entry),
      });
      t.heldUntil = undefined;
      const blobs = this.opts.blobs ? taskBlobs(this.opts.blobs, () => t.offer, t.controller.signal, () => this.inlineMax) : undefined;
      post = succeededPost(t.offer, await shipResult(prepared, blobs, (p, m) => t.progress.push(p, m)));
    } catch (e) {
      post = taskOutcome(t, gate, e);
    }
    await this.report(t, post, started);
  }

  private async sendProgress(t: TaskRun, percent: number, message: string | undefined): Promise<void> {
    if (t.stop && t.stop.reason !== 'cancel') return;
    const msg: TaskProgress = {
      task_id: t.offer.task_id,
      lease_token: t.offer.lease_token,
      percent,
      ...(message ? { message: message.slice(0, 500) } : {}),
      ...(t.heldUntil ? { held_until: t.heldUntil } : {}),
    };
    try {
      const reply = await this.opts.reporter.progress(msg);
      if (reply.canceled) this.cancel(t.offer.task_id, 'canceled by the hub');
    } catch (e) {
      // Stale only if that lease is still the one we hold: the task may have been leased to us again meanwhile.
      if (isStale(e) && t.phase !== 'reporting' && t.offer.lease_token === msg.lease_token) this.drop(t.offer.task_id, `the hub refused progress: ${errorMessage(e)}`);
      else t.log.debug('progress not delivered', { error: errorMessage(e) });
    }
  }
}
