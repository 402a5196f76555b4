// Group commits: the items that arrive within one turn of the event loop, and those that arrive while a group is being
// written, are written together; each item is settled by the group's writer (answered only once its group committed).
export class GroupCommit<I> {
  private queue: I[] = [];
  private running = false;

  /**
   * @param split the next group from what is waiting (a size cap, one context per group, a task at most once), the rest
   *   wait for the next group
   * @param write writes a group and settles each of its items
   * @param fail settles each item of a group whose write threw
   */
  constructor(
    private readonly split: (waiting: I[]) => { group: I[]; later: I[] },
    private readonly write: (group: I[]) => Promise<void>,
    private readonly fail: (group: I[], err: unknown) => void,
  ) {}

  add(item: I): void {
    this.queue.push(item);
    if (this.running) return;
    this.running = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const { group, later } = this.split(this.queue);
        this.queue = later;
        await this.write(group).catch((err) => this.fail(group, err));
      }
    } finally {
      this.running = false;
    }
  }
}
