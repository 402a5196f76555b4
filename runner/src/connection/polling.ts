// The HTTP fallback: long-poll GET /api/v1/tasks while slots are free; claimed tasks go straight to the executor.
import type { TaskOffer } from '@simpul/protocol';
import { backoffMs, sleep } from '../backoff.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { HubApi } from './hub-api.ts';

export const LONG_POLL_WAIT_S = 25;

/** Where claimed tasks go (the executor). */
export interface TaskSink {
  free(): number;
  accept(offer: TaskOffer, force: boolean): boolean;
}

export interface PollerEvents {
  /** The hub answered a claim (the link counts that as being connected over polling). */
  answered(): void;
  /** The hub refused the claim with an error that retrying will not fix (unauthorized, protocol mismatch). */
  failed(error: unknown): boolean; // true: stop polling
}

export class Poller {
  private stopped = true;
  private loop: Promise<void> | null = null;
  private abort = new AbortController(); // ends the long-poll in flight
  private halt = new AbortController(); // ends waits between polls
  private wakeUp: (() => void) | null = null;
  /** Slots asked for by the long-poll in flight; the socket claims only what is left. */
  reserved = 0;

  constructor(
    private readonly api: HubApi,
    private readonly runnerId: () => string,
    private readonly executor: TaskSink,
    private readonly events: PollerEvents,
    private readonly log: Logger,
  ) {}

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.abort = new AbortController();
    this.halt = new AbortController();
    const previous = this.loop ?? Promise.resolve();
    // A stopped loop may still be finishing its last long-poll; the new one starts after it, never beside it.
    this.loop = previous.then(() => this.run()).finally(() => (this.loop = null));
  }

  /**
   * Stop polling. With `abortInFlight` false the long-poll in flight is allowed to finish, so a task the hub claimed for
   * it is not lost (used when the socket takes over); true ends it at once (shutdown).
   */
  stop(abortInFlight = false): void {
    this.stopped = true;
    this.halt.abort();
    if (abortInFlight) this.abort.abort();
    this.wake();
  }

  /** A slot freed up: claim again now instead of waiting. */
  wake(): void {
    this.wakeUp?.();
  }

  async finished(): Promise<void> {
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const free = this.executor.free();
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
          setTimeout(resolve, 1000);
        });
        this.wakeUp = null;
        continue;
      }
      try {
        this.reserved = free;
        const reply = await this.api.claim(
          { runner_id: this.runnerId(), wait: LONG_POLL_WAIT_S, limit: free },
          this.abort.signal,
        );
        failures = 0;
        this.events.answered();
        for (const offer of reply.tasks) {
          // The hub has already leased these to us: take them even if the socket filled the slots meanwhile.
          this.executor.accept(offer, true);
        }
      } catch (e) {
        if (this.abort.signal.aborted) break;
        if (this.events.failed(e)) break;
        const wait = backoffMs(failures++, 1000, 10_000);
        this.log.warn('long-poll failed; retrying', { error: errorMessage(e), retry_in_ms: wait });
        await sleep(wait, this.halt.signal);
      } finally {
        this.reserved = 0;
      }
    }
  }
}
