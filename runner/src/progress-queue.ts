// Per-task progress sender: one report in flight at a time, later reports replace a waiting one, results wait for it.

export type SendProgress = (percent: number, message: string | undefined) => Promise<void>;

/** Midway reports of a task younger than this wait, and are usually superseded: a quick task costs no extra round trips. */
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
    const midway = p > 0 && p < 100;
    const wait = this.quietMs - (Date.now() - this.started);
    if (midway && wait > 0 && !this.sending) {
      this.timer ??= setTimeout(() => this.start(), wait);
      return;
    }
    this.start();
  }

  /** Resolves once every report pushed so far was sent (or failed): the hub then sees progress before the result. */
  async flush(): Promise<void> {
    if (this.timer && this.pending) this.start();
    while (this.sending) await this.loop;
  }

  private start(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.sending || !this.pending) return;
    this.sending = true;
    this.loop = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
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
    }
  }
}
