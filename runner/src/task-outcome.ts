// How a task ends, as the connection may send it: the gate for its dataset's policy, and every stop or failure as a post
// that passed that gate (an engine's message may quote data, so under a policy it stays in the runner's log).
import type { ResultPost, TaskOffer } from '@simpul/protocol';
import { Gate } from './disclosure/gate.ts';
import { canceledPost, failedPost } from './disclosure/outgoing.ts';
import type { Released } from './disclosure/released.ts';
import { TaskFailure, errorMessage } from './errors.ts';
import type { ExecutorOptions, TaskRun } from './task-run.ts';

export function gateFor(
  opts: Pick<ExecutorOptions, 'engine' | 'disclosure'>,
  offer: TaskOffer,
  dataset: string | undefined,
): Gate {
  const d = opts.disclosure;
  return new Gate(dataset === undefined ? undefined : opts.engine.policy(dataset), {
    dataset: dataset ?? '',
    op: offer.op,
    ...(offer.requested_by ? { requestedBy: offer.requested_by } : {}),
    ...(d ? { ledger: d.ledger, salt: d.salt } : {}),
  });
}

/** Every outcome as a post that passed the gate: a stop, or a failure (whose message the gate may keep here). */
export function taskOutcome(t: TaskRun, gate: Gate, e: unknown): Released<ResultPost> {
  const { offer } = t;
  const stop = t.stop;
  if (stop?.reason === 'cancel') return canceledPost(offer, stop.message);
  if (stop?.reason === 'timeout') return failedPost(offer, gate.failure(new TaskFailure('timeout', stop.message)));
  if (stop) return failedPost(offer, gate.failure(new TaskFailure('canceled', stop.message))); // drop or shutdown: never posted
  if (e instanceof TaskFailure) {
    // Under a policy the gate keeps an engine's message here: it is logged so that the data owner can read it.
    if (gate.policy && e.code === 'op_failed')
      t.log.warn('op failed (message kept at the runner)', { error: e.message });
    return failedPost(offer, gate.failure(e));
  }
  t.log.warn('op threw', { error: errorMessage(e) });
  return failedPost(
    offer,
    gate.failure(new TaskFailure('op_failed', `operation ${offer.op} failed: ${errorMessage(e).split('\n')[0]}`)),
  );
}
