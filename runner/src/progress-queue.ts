// Per-task progress sender: one report in flight at a time, later reports replace a waiting one, results wait for it.

export type SendProgress = (percent: number, message: string | undefined) => Promise<void>;

/**
 * Reports of a task younger than this wait, and are usually superseded: a quick task costs no round trip before its
 * result (the hub then sees it go from leased straight to its result), and a slow one shows `running` after this long.
 */
export const QUIET_START_MS = 250;

export class ProgressQueue {
  private pending: { percent: number; message?: string } | null = null;
  private sending = false;
  private loop: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  readonly started = Date.now();
  /** The last report pushed (sent or not): what `simpul-runner status` shows. */
  latest: { percent: number; message?: string } | null = null;

  constructor(
    private readonly send: SendProgress,
    private readonly quietMs = QUIET_START_MS,
  ) {}

  push(percent: number, message?: string): void {
    const p = Math.max(0, Math.min(100, percent));
    this.pending = { percent: p, message };
    this.latest = this.pending;
    this.start(false);
  }

  /** Resolves once every report pushed so far was sent (or failed): the hub then sees progress before the result. */
  async flush(): Promise<void> {
    for (;;) {
      this.start(true); // a midway report held back for the quiet start goes now
      if (!this.sending) return;
      await this.loop;
    }
  }

  /**
   * The task succeeded and its result tells the hub 100 %: a waiting report is dropped rather than sent (a round trip
   * before the result, for a state nobody would see), and the one in flight is awaited, so it never lands after the result.
   */
  async done(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    this.latest = { percent: 100, message: 'done' };
    while (this.sending) await this.loop;
  }

  /**
   * How long the waiting report is held back: until the quiet start is over. A 100 % report too (an analysis says "done"
   * just before its result): the result says as much a moment later.
   */
  private holdMs(): number {
    if (!this.pending) return 0;
    return Math.max(0, this.quietMs - (Date.now() - this.started));
  }

  private start(now: boolean): void {
    if (this.sending || !this.pending) return;
    const hold = now ? 0 : this.holdMs();
    if (hold > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.start(false);
      }, hold);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sending = true;
    this.loop = this.drain(now);
  }

  private async drain(now: boolean): Promise<void> {
    try {
      while (this.pending && (now || this.holdMs() === 0)) {
        const next = this.pending;
        this.pending = null;
        try {
          await this.send(next.percent, next.message);
        } catch {
          // progress is advisory: a lost report is not worth failing the task for
        }
      }
    } finally {
      this.sending = false; // in the same turn as the last check, so a push right after starts a new loop
      this.start(false); // a report held back: wait out the quiet start
    }
  }
}
