// What may be queued and due for this hub's socket runners, as far as the hub knows: the dataset names and targeted
// runners of the work announced to it, each mark replaced by what the next read of due work found, and a name's mark
// dropped once a claim read all its due work. A slot that freed (a result came in) asks the database only when its
// runner's names or the runner itself are marked: after a result, most runners have nothing waiting, and the round's
// reads (load, standing, pick) found nothing.
import type { WorkHint } from '../queue/notifier.ts';

export interface DueWork {
  targets: ReadonlySet<string>;
  datasets: ReadonlySet<string>;
}

export class Backlog {
  private version = 0;
  /** The version of the last "anything may be due" (start, work relayed from another hub, a backoff that ended). */
  private anything: number | null = 0;
  private readonly names = new Map<string, number>(); // name → version of its latest mark
  private readonly runners = new Map<string, number>();

  /** Work whose takers are unknown came: anything may be due until a read of due work says otherwise. */
  markAll(): void {
    this.anything = ++this.version;
  }

  /** Work for these runners and names was announced. */
  mark(hint: WorkHint): void {
    const v = ++this.version;
    for (const r of hint.runners) this.runners.set(r, v);
    for (const d of hint.datasets) this.names.set(d, v);
  }

  /** The moment to pass to `refresh` with what a read started after it found. */
  now(): number {
    return this.version;
  }

  mayHave(runnerId: string, datasets: readonly string[]): boolean {
    return this.anything !== null || this.runners.has(runnerId) || datasets.some((d) => this.names.has(d));
  }

  /** A claim begun at `since` read all the due untargeted work of these names (and took it, or another hub did). */
  drained(since: number, names: ReadonlySet<string>): void {
    for (const n of names) if ((this.names.get(n) ?? Number.POSITIVE_INFINITY) <= since) this.names.delete(n);
  }

  /**
   * A read of everything due, begun at `since`, found this (the whole of it): marks from before the read become what
   * it found; marks made while it ran stay (their work may have committed after the read).
   */
  refresh(since: number, due: DueWork): void {
    if (this.anything !== null && this.anything <= since) this.anything = null;
    replace(this.names, due.datasets, since);
    replace(this.runners, due.targets, since);
  }
}

function replace(marks: Map<string, number>, found: ReadonlySet<string>, since: number): void {
  for (const [key, v] of marks) if (v <= since && !found.has(key)) marks.delete(key);
  for (const key of found) if (!marks.has(key)) marks.set(key, since);
}
