// In-process events that wake long-polls and the dispatcher, and feed the web's live updates.
import { EventEmitter } from 'node:events';

export interface CancelNotice {
  runnerId: string;
  taskId: string;
  reason: string;
}

/** Who new work is for: runners it names, and datasets any runner serving them may take. Absent: anyone. */
export interface WorkHint {
  runners: readonly string[];
  datasets: readonly string[];
}

/** Who is waiting for work, to match against a hint. */
export interface Waiter {
  id: string;
  datasets: readonly string[];
}

export const hintFor = (tasks: readonly { target_runner_id: string | null; dataset: string }[]): WorkHint => ({
  runners: [...new Set(tasks.flatMap((t) => (t.target_runner_id === null ? [] : [t.target_runner_id])))],
  datasets: [...new Set(tasks.flatMap((t) => (t.target_runner_id === null ? [t.dataset] : [])))],
});

export const hintMatches = (hint: WorkHint | undefined, w: Waiter): boolean =>
  hint === undefined || hint.runners.includes(w.id) || w.datasets.some((d) => hint.datasets.includes(d));

interface Events {
  available: [hint?: WorkHint]; // tasks became claimable: created, re-queued, handed back (for whom, when known)
  freed: [runnerId: string]; // a runner finished a task and may take another
  lost: [runnerId: string]; // a runner let a lease expire: it may be frozen or cut off
  tasks: [ids: string[]]; // tasks changed (web updates)
  runners: [ids: string[]]; // runners changed (web updates)
  cancel: [notice: CancelNotice]; // a held task was asked to stop
  revoked: [runnerId: string, message: string]; // a runner's token was revoked: disconnect it now
  signedOut: [who: SignedOut]; // sessions or API tokens ended (logout, password reset, revoked): their /web sockets close now
  signedOutElsewhere: [who: SignedOut]; // the same, on another hub (relayed): forget what this hub keeps of them
}

/** Credentials that ended: one session or API token by id, every session of a user, or all of a user's sockets. */
export type SignedOut = { credentialId: string } | { sessionsOf: string } | { userId: string };

export class Notifier {
  private readonly emitter = new EventEmitter();
  private readonly due = new Map<number, NodeJS.Timeout>(); // moments (to 50 ms) when work becomes claimable

  constructor() {
    // Every long-poll waits on `available`; thousands of them are expected.
    this.emitter.setMaxListeners(0);
  }

  on<K extends keyof Events>(event: K, fn: (...args: Events[K]) => void): () => void {
    this.emitter.on(event, fn as (...a: unknown[]) => void);
    return () => this.emitter.off(event, fn as (...a: unknown[]) => void);
  }

  available(hint?: WorkHint): void {
    this.emitter.emit('available', hint);
  }

  /** Work becomes claimable at `at` (a retry's backoff): announce it then. Moments 50 ms apart share one announcement. */
  availableAt(at: number, now = Date.now()): void {
    const slot = Math.ceil(at / 50) * 50;
    if (this.due.has(slot)) return;
    const timer = setTimeout(
      () => {
        this.due.delete(slot);
        this.available();
      },
      Math.max(0, slot - now) + 1,
    );
    timer.unref();
    this.due.set(slot, timer);
  }
  freed(runnerId: string): void {
    this.emitter.emit('freed', runnerId);
  }
  lost(runnerId: string): void {
    this.emitter.emit('lost', runnerId);
  }
  tasks(ids: string[]): void {
    if (ids.length) this.emitter.emit('tasks', ids);
  }
  runners(ids: string[]): void {
    if (ids.length) this.emitter.emit('runners', ids);
  }
  cancel(notice: CancelNotice): void {
    this.emitter.emit('cancel', notice);
  }
  revoked(runnerId: string, message: string): void {
    this.emitter.emit('revoked', runnerId, message);
  }
  signedOut(who: SignedOut): void {
    this.emitter.emit('signedOut', who);
  }
  signedOutElsewhere(who: SignedOut): void {
    this.emitter.emit('signedOutElsewhere', who);
  }

  /** Resolves when a change to task `id` is announced, after `ms`, or on abort. */
  waitTask(id: string, ms: number, signal?: AbortSignal): Promise<void> {
    return this.waitFor('tasks', (ids) => ids.includes(id), ms, signal);
  }

  /**
   * Resolves on the next `available` that may concern `waiter` (all of them when no waiter is given), after `ms`, or
   * when `signal` aborts, whichever is first. Waking only the waiters that can take the work keeps a thousand idle
   * long-polls from all querying the database for each new task.
   */
  waitAvailable(ms: number, signal?: AbortSignal, waiter?: Waiter): Promise<void> {
    return this.waitFor('available', (hint) => !waiter || hintMatches(hint, waiter), ms, signal);
  }

  /** Resolves on the first `event` that `match`es, after `ms`, or when `signal` aborts, whichever is first. */
  private waitFor<K extends keyof Events>(
    event: K,
    match: (...args: Events[K]) => boolean,
    ms: number,
    signal?: AbortSignal,
  ): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        off();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const off = this.on(event, (...args) => {
        if (match(...args)) done();
      });
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
