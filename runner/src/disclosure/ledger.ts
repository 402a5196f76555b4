// The row budget: raw rows released per analyst per dataset over a rolling 24 hours, kept in an append-only file so that
// a restart does not reset it.
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDir } from './paths.ts';

const DAY_MS = 86_400_000;

interface Entry {
  at: number;
  user: string;
  dataset: string;
  rows: number;
}

/** Tasks from a hub that does not say who asked share one budget: the strictest reading. */
export const UNKNOWN_ANALYST = '(unknown)';

export class RowLedger {
  private entries: Entry[] = [];

  constructor(private readonly path: string | null) {
    if (!path) return;
    ensureDir(dirname(path));
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const since = Date.now() - DAY_MS;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const e = JSON.parse(line) as Entry;
        if (typeof e.at === 'number' && e.at >= since && typeof e.rows === 'number') this.entries.push(e);
      } catch {
        // A torn last line after a crash: the entries before it still count.
      }
    }
  }

  /** Rows released to `user` from `dataset` in the 24 hours before `now`. */
  used(user: string, dataset: string, now = Date.now()): number {
    const since = now - DAY_MS;
    this.entries = this.entries.filter((e) => e.at >= since);
    return this.entries.reduce((s, e) => (e.user === user && e.dataset === dataset ? s + e.rows : s), 0);
  }

  /** Records a release; written before the result leaves, so a crash cannot forget it. */
  charge(user: string, dataset: string, rows: number, now = Date.now()): void {
    if (rows <= 0) return;
    const e: Entry = { at: now, user, dataset, rows };
    this.entries.push(e);
    if (this.path) appendFileSync(this.path, `${JSON.stringify(e)}\n`, { mode: 0o600 });
  }
}
