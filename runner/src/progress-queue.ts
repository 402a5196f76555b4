// Per-task progress sender: one report in flight at a time, later reports replace a waiting one, results wait for it.

export type SendProgress = (percent: number, message: string | undefined) => Promise<void>;

export class ProgressQueue {
  private pending: { percent: number; message?: string } | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly send: SendProgress) {}

  push(percent: number, message?: string): void {
    this.pending = { percent: Math.max(0, Math.min(100, percent)), message };
    if (!this.loop) this.loop = this.drain().finally(() => (this.loop = null));
  }

  /** Resolves once every report pushed so far was sent (or failed): the hub then sees progress before the result. */
  async flush(): Promise<void> {
    while (this.loop) await this.loop;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const next = this.pending;
      this.pending = null;
      try {
        await this.send(next.percent, next.message);
      } catch {
        // progress is advisory: a lost report is not worth failing the task for
      }
    }
  }
}
