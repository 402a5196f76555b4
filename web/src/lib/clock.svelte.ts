// A shared "now" that ticks once a second while something on screen reads it (relative times, elapsed times). While the
// hub is unreachable it stands still at the moment the link was lost: what the page shows is the last known state, and
// a timer that went on counting would claim a task is still running.
import { createSubscriber } from 'svelte/reactivity';

class Clock {
  #subscribe = createSubscriber((update) => {
    const timer = setInterval(update, 1000);
    return () => clearInterval(timer);
  });
  #frozenAt = $state<number | null>(null);

  get now(): number {
    if (this.#frozenAt !== null) return this.#frozenAt;
    this.#subscribe();
    return Date.now();
  }

  /** When the clock stopped (the hub became unreachable), or null while it runs. */
  get frozenAt(): number | null {
    return this.#frozenAt;
  }

  /** Stops the clock at `at` (an earlier stop stays: the first moment the hub was lost is what counts). */
  freeze(at: number): void {
    this.#frozenAt ??= at;
  }

  thaw(): void {
    this.#frozenAt = null;
  }
}

export const clock = new Clock();
