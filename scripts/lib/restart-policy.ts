// When `npm start` brings a child process (the demo runner) back after it exits: exponential backoff, and a cap on
// restarts in quick succession so a child that cannot start does not spin forever.

export interface RestartOptions {
  firstDelayMs: number; // wait before the first restart of a streak
  maxDelayMs: number; // the backoff never waits longer than this
  windowMs: number; // exits closer together than this count as one streak
  maxRestarts: number; // restarts allowed in one streak; after that the child stays down
}

export const RESTART_DEFAULTS: RestartOptions = {
  firstDelayMs: 1000,
  maxDelayMs: 30_000,
  windowMs: 60_000,
  maxRestarts: 5,
};

export type RestartDecision = { restart: true; delayMs: number; attempt: number } | { restart: false; reason: string };

export class RestartPolicy {
  readonly #o: RestartOptions;
  #streak = 0;
  #lastExit = Number.NEGATIVE_INFINITY;

  constructor(opts: Partial<RestartOptions> = {}) {
    this.#o = { ...RESTART_DEFAULTS, ...opts };
  }

  /** The child exited at `now` (ms): restart it after `delayMs`, or give up. */
  onExit(now: number): RestartDecision {
    const o = this.#o;
    // A child that stayed up for a whole window was healthy: its next exit starts a new streak.
    if (now - this.#lastExit > o.windowMs) this.#streak = 0;
    this.#lastExit = now;
    this.#streak += 1;
    if (this.#streak > o.maxRestarts)
      return {
        restart: false,
        reason: `it exited ${this.#streak} times within ${Math.round(o.windowMs / 1000)} s of each other`,
      };
    const delayMs = Math.min(o.maxDelayMs, o.firstDelayMs * 2 ** (this.#streak - 1));
    return { restart: true, delayMs, attempt: this.#streak };
  }
}
