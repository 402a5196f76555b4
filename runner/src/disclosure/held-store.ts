// Results held for the data owner's review, kept on disk so that a restart does not lose them; decisions are files that
// `simpul-runner review` writes and the running runner picks up.
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { TaskOffer } from '@simpul/protocol';
import type { LocalFile } from './facts.ts';
import { ensureDir } from './paths.ts';

export interface HeldResult {
  task_id: string;
  offer: TaskOffer; // as last leased (the lease token is renewed when the hub leases the task again)
  analyst: string | null;
  op: number;
  dataset: string | null;
  params: unknown;
  held_at: string;
  expires_at: string;
  /** Exactly what would be sent: the result inline, and the file that would be uploaded with it. */
  result: unknown;
  file?: LocalFile;
  csv?: LocalFile; // the rows' CSV beside their Parquet file
  attach?: 'rows' | 'analysis' | 'export'; // how the file's link joins the result
  bytes: number;
}

export interface Decision {
  decision: 'approve' | 'deny';
  reason?: string;
  at: string;
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,100}$/;

export class HeldStore {
  /**
   * The ids held, read from the folder once and kept up to date by put and remove (only the runner itself puts and
   * removes held results; `simpul-runner review` only writes decisions): a task that holds nothing, nearly every one,
   * costs no file access when it starts or finishes.
   */
  private ids: Set<string> | null = null;

  constructor(readonly dir: string) {}

  private held(): Set<string> {
    if (this.ids) return this.ids;
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      // no folder yet: nothing held
    }
    this.ids = new Set(
      names.filter((n) => n.endsWith('.json') && !n.endsWith('.decision.json')).map((n) => n.slice(0, -'.json'.length)),
    );
    return this.ids;
  }

  private path(id: string, suffix: string): string {
    if (!SAFE_ID.test(id)) throw new Error(`not a task id: ${JSON.stringify(id)}`);
    return join(this.dir, `${id}${suffix}`);
  }

  /** Keeps a held result; its file (if any) moves into the store so that it outlives the task's temp folder. */
  put(h: HeldResult): HeldResult {
    ensureDir(this.dir);
    const keep = (f: LocalFile | undefined, suffix: string) => {
      if (!f) return undefined;
      const kept = this.path(h.task_id, `${suffix}${extname(f.path)}`);
      renameSync(f.path, kept);
      return { ...f, path: kept };
    };
    const file = keep(h.file, '.file');
    const csv = keep(h.csv, '.csv-file');
    const held = { ...h, ...(file ? { file } : {}), ...(csv ? { csv } : {}) };
    writeAtomic(this.path(h.task_id, '.json'), JSON.stringify(held, null, 2));
    this.held().add(h.task_id);
    return held;
  }

  get(id: string): HeldResult | null {
    const file = this.path(id, '.json');
    return this.held().has(id) ? readJson<HeldResult>(file) : null;
  }

  list(): HeldResult[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.json') && !n.endsWith('.decision.json'))
      .map((n) => readJson<HeldResult>(join(this.dir, n)))
      .filter((h): h is HeldResult => h !== null)
      .sort((a, b) => a.held_at.localeCompare(b.held_at));
  }

  /** The renewed lease of a held task, so that a restart resumes under the lease the hub knows. */
  updateOffer(id: string, offer: TaskOffer): void {
    const h = this.get(id);
    if (h) writeAtomic(this.path(id, '.json'), JSON.stringify({ ...h, offer }, null, 2));
  }

  decide(id: string, d: Decision): void {
    if (!this.get(id)) throw new Error(`no held result for task ${id}`);
    writeAtomic(this.path(id, '.decision.json'), JSON.stringify(d));
  }

  decision(id: string): Decision | null {
    return readJson<Decision>(this.path(id, '.decision.json'));
  }

  remove(id: string): void {
    this.path(id, '.json'); // refuses what is not a task id
    if (!this.held().has(id)) return;
    const h = this.get(id);
    for (const f of [h?.file, h?.csv]) if (f) rmSync(f.path, { force: true });
    rmSync(this.path(id, '.decision.json'), { force: true });
    rmSync(this.path(id, '.json'), { force: true });
    this.held().delete(id);
  }
}

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}
