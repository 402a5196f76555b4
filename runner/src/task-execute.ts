// What a task does while it runs (task-state.ts `running`) and while its result is held (`held`): the op, the release
// gate, files, the hold for review and the upload. Each returns the post to report; the Executor reports it.
import { OP_NAMES, type OpCode, OpParams, type ResultPost } from '@simpul/protocol';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareResult, shipResult } from './blobs/large-result.ts';
import { taskBlobs } from './blobs/task-blobs.ts';
import { AWAITING_RELEASE, awaitDecision, holdNew } from './disclosure/hold.ts';
import { type Prepared, ownFailure, succeededPost } from './disclosure/outgoing.ts';
import type { Released } from './disclosure/released.ts';
import type { Engine } from './engine/engine.ts';
import { TaskFailure, errorMessage } from './errors.ts';
import { formatIssues } from './issues.ts';
import { ProgressSteps } from './progress-steps.ts';
import type { Handler, OpContext } from './ops/index.ts';
import { gateFor, taskOutcome } from './task-outcome.ts';
import type { ExecutorOptions, TaskRun } from './task-run.ts';

export type HeldResult = ReturnType<typeof holdNew>;

export interface ExecuteContext {
  opts: ExecutorOptions;
  handlers: { [C in OpCode]: Handler<C> };
  inlineMax(): number; // the hub's, from its heartbeat replies
  /** The op is over (its files are being cleaned up): its timeout no longer counts. */
  ran(t: TaskRun): void;
  /** The release gate held the result for review (stored already): the task waits for the owner. */
  held(t: TaskRun, held: HeldResult): void;
}

/**
 * Run the op, pass its result through the release gate, write any file it needs, hold it for review if the policy
 * says so (then null: the held task reports it), upload and return the post.
 */
export async function executeTask(ctx: ExecuteContext, t: TaskRun): Promise<Released<ResultPost> | null> {
  const { opts } = ctx;
  const { offer } = t;
  const signal = t.controller.signal;
  t.progress.push(0, 'started'); // the hub marks the task running on the first report (sent after the quiet start)
  let session: Awaited<ReturnType<Engine['session']>> | null = null;
  let gate = gateFor(opts, offer, undefined);
  let dir: string | null = null;
  let cleanup: (() => Promise<void>) | undefined;
  try {
    const parsed = OpParams[offer.op].safeParse(offer.params);
    if (!parsed.success)
      throw new TaskFailure(
        'invalid_params',
        `params of op ${offer.op} do not parse:\n${formatIssues(parsed.error, '  ')}`,
        parsed.error.issues,
      );
    const params = parsed.data;
    gate = gateFor(opts, offer, params.dataset);
    const allowed = opts.engine.policy(params.dataset)?.allow_ops;
    if (allowed && !allowed.includes(offer.op)) {
      throw new TaskFailure(
        'policy_denied',
        `dataset "${params.dataset}" does not allow operation ${offer.op} (${OP_NAMES[offer.op]}) on this runner (policy allow_ops: ${allowed.join(', ') || 'none'})`,
      );
    }
    signal.throwIfAborted();
    session = await opts.engine.session(signal);
    const g = gate;
    const steps = new ProgressSteps((percent, message) => {
      if (!signal.aborted) t.progress.push(percent, g.progress(message));
    });
    session.onScan = (s) => steps.scanned(s);
    const octx: OpContext = {
      task_id: offer.task_id,
      ...(opts.name ? { runner_name: opts.name } : {}),
      op: offer.op,
      params,
      engine: opts.engine,
      db: session,
      progress: (percent, message, until) => steps.step(percent, message, until),
      signal,
      log: t.log,
      gate,
      ...(opts.blobs ? { blobs: taskBlobs(opts.blobs, () => t.offer, signal, ctx.inlineMax) } : {}),
    };
    const unreleased = await (ctx.handlers[offer.op] as Handler)(octx);
    if (unreleased.kind === 'file') cleanup = unreleased.cleanup;
    const out = gate.release(unreleased);
    // The folder for a result too large to send inline, made only when one is written.
    const prepared = await prepareResult(
      octx,
      out,
      async () => (dir ??= await mkdtemp(join(tmpdir(), 'simpul-result-'))),
    );
    signal.throwIfAborted();
    if (gate.holds && gate.policy && opts.disclosure) {
      const held = holdNew(opts.disclosure.held, t.offer, prepared, gate.policy.reviewTtlS);
      opts.audit?.decision({ task_id: offer.task_id, decision: 'held' });
      ctx.held(t, held);
      return null;
    }
    const result = await shipResult(prepared, octx.blobs, octx.progress);
    signal.throwIfAborted(); // canceled while finishing: the analyst asked to stop, so report that
    return succeededPost(t.offer, result);
  } catch (e) {
    return taskOutcome(t, gate, e);
  } finally {
    ctx.ran(t);
    session?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await cleanup?.();
  }
}

/** executeTask, with a crash (a bug: executeTask maps every error) turned into a failure the hub can report. */
export async function executeOrFail(ctx: ExecuteContext, t: TaskRun): Promise<Released<ResultPost> | null> {
  try {
    return await executeTask(ctx, t);
  } catch (e) {
    t.log.error('task crashed', { error: errorMessage(e) }); // executeTask() maps every error; this is a bug
    return ownFailure(t.offer, 'op_failed', 'the runner failed while running this task; its log says why');
  }
}

/** A held result: wait for the owner's decision, then upload it (or the refusal); null when nothing is held. */
export async function awaitHeldResult(
  ctx: ExecuteContext,
  t: TaskRun,
  fresh?: HeldResult,
): Promise<Released<ResultPost> | null> {
  const { opts } = ctx;
  const d = opts.disclosure;
  const held = fresh ?? d?.held.get(t.offer.task_id);
  if (!d || !held) return null;
  const gate = gateFor(opts, t.offer, held.dataset ?? undefined);
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
      audit: (entry) => opts.audit?.decision(entry),
    });
    t.heldUntil = undefined;
    const blobs = opts.blobs ? taskBlobs(opts.blobs, () => t.offer, t.controller.signal, ctx.inlineMax) : undefined;
    return succeededPost(t.offer, await shipResult(prepared, blobs, (p, m) => t.progress.push(p, m)));
  } catch (e) {
    return taskOutcome(t, gate, e);
  }
}
