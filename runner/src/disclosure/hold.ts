// Review before release: a result that the policy holds waits at the runner, on disk, until the data owner approves or
// denies it with `simpul-runner review`, or its review_ttl runs out.
import type { TaskOffer } from '@simpul/protocol';
import { TaskFailure } from '../errors.ts';
import type { HeldResult, HeldStore } from './held-store.ts';
import type { Prepared } from './outgoing.ts';
import type { Released } from './released.ts';

export const AWAITING_RELEASE = "awaiting the data owner's release";
const POLL_MS = 300;

export interface HoldOptions {
  store: HeldStore;
  offer: () => TaskOffer;
  ttlS: number;
  signal: AbortSignal; // cancel, drop or shutdown end the wait (the held result stays on disk for a shutdown or drop)
  /** Tells the hub the task is held until then (its timeout waits as long). */
  report: (heldUntil: string) => void;
  audit?: (entry: { task_id: string; decision: 'held' | 'approved' | 'denied' | 'expired'; reason?: string }) => void;
}

/** Keeps a freshly prepared result for review. */
export function holdNew(
  store: HeldStore,
  offer: TaskOffer,
  prepared: Prepared,
  ttlS: number,
  now = Date.now(),
): HeldResult {
  const params = offer.params as { dataset?: unknown };
  return store.put({
    task_id: offer.task_id,
    offer,
    analyst: offer.requested_by ?? null,
    op: offer.op,
    dataset: typeof params.dataset === 'string' ? params.dataset : null,
    params: offer.params,
    held_at: new Date(now).toISOString(),
    expires_at: new Date(now + ttlS * 1000).toISOString(),
    result: prepared.result,
    ...(prepared.file ? { file: prepared.file } : {}),
    ...(prepared.csv ? { csv: prepared.csv } : {}),
    ...(prepared.attach ? { attach: prepared.attach } : {}),
    bytes: Buffer.byteLength(JSON.stringify(prepared.result ?? null)) + (prepared.file?.bytes ?? 0),
  });
}

/**
 * Waits for the owner's decision on a held result. Approved: the prepared result, ready to ship (the caller removes it
 * from the store once delivered). Denied or expired: a task failure that says so.
 */
export async function awaitDecision(held: HeldResult, o: HoldOptions): Promise<Prepared> {
  o.report(held.expires_at);
  const expires = Date.parse(held.expires_at);
  for (;;) {
    o.signal.throwIfAborted();
    const d = o.store.decision(held.task_id);
    if (d?.decision === 'approve') {
      o.audit?.({ task_id: held.task_id, decision: 'approved' });
      return {
        result: held.result as Released<unknown>,
        ...(held.file ? { file: held.file } : {}),
        ...(held.csv ? { csv: held.csv } : {}),
        ...(held.attach ? { attach: held.attach } : {}),
      };
    }
    if (d?.decision === 'deny') {
      o.audit?.({ task_id: held.task_id, decision: 'denied', reason: d.reason });
      o.store.remove(held.task_id);
      throw new TaskFailure(
        'release_denied',
        `the data owner did not release this result${d.reason ? `: ${d.reason}` : ''}`,
      );
    }
    if (Date.now() >= expires) {
      o.audit?.({ task_id: held.task_id, decision: 'expired' });
      o.store.remove(held.task_id);
      throw new TaskFailure('release_expired', `the data owner did not review this result before ${held.expires_at}`);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, POLL_MS);
      o.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
