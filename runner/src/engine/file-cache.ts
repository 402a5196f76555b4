// A small CSV file held as an in-memory DuckDB table: each task then scans memory instead of parsing the file again (twice
// for op 200: counts, then the page). The table is rebuilt when the file's size or mtime changes, so edits show at once.
import { statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Session } from './session.ts';
import { quoteIdent } from './sql.ts';

/** Files up to this size are cached (a few times this in memory); larger ones are read from disk by every query. */
export const FILE_CACHE_MAX_BYTES = 16 * 1024 * 1024;

const SCHEMA = 'simpul_file_cache'; // beside the datasets' views in main, so no dataset name can clash with a table

/** Inode, size and change times (a file replaced by rename is a new inode); null when the file cannot be read (the query then reports it, as without a cache). */
function signature(path: string): { key: string; size: number } | null {
  try {
    const st = statSync(path, { bigint: true });
    return { key: `${st.ino}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}`, size: Number(st.size) };
  } catch {
    return null;
  }
}

const aborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

export class FileCache {
  private current: string | null | undefined = undefined; // the signature the view reflects (null: no file); undefined: none yet
  private table: string | null = null; // the table the view reads, or null when it reads the file
  /** Rows of that table (null while the view reads the file): a count without a query. */
  rows: number | null = null;
  private version = 0;
  private readonly seen = new WeakMap<Session, number>(); // the version each task's session last checked the file at
  private pending: Promise<void> | null = null;

  private constructor(
    private readonly db: Session, // the cache's own connection: a reload outlives the task that noticed the change
    private readonly view: string, // quoted
    private readonly path: string,
    private readonly source: () => string, // the pinned read_csv(...) call, worked out again at each reload (a CSV may be transcoded anew)
    private readonly name: string,
  ) {}

  /** Creates the view, reading the file into a table if it is small enough. */
  static async open(
    connect: () => Promise<DuckDBConnection>,
    name: string,
    view: string,
    path: string,
    source: () => string,
  ): Promise<FileCache> {
    const conn = await connect();
    const cache = new FileCache(new Session(conn, new AbortController().signal), view, path, source, name);
    try {
      await cache.db.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
      await cache.sync();
      return cache;
    } catch (e) {
      cache.close();
      throw e;
    }
  }

  /** Brings the view up to date with the file before a task's query; one reload at a time, whichever task noticed first. */
  async freshen(db: Session): Promise<void> {
    // Once per task: its count and its page read the same version of the file (and the file is looked at once).
    if (this.pending === null && this.seen.get(db) === this.version) return;
    if (this.pending === null && signature(this.path)?.key === this.current)
      return void this.seen.set(db, this.version);
    this.pending ??= this.sync().finally(() => {
      this.pending = null;
    });
    // A cancel stops the wait at once; the reload finishes for the next task.
    await Promise.race([this.pending, aborted(db.signal)]);
  }

  close(): void {
    this.db.close();
  }

  private async sync(): Promise<void> {
    const sig = signature(this.path); // before reading: a change during the read is picked up next time
    if (this.current !== undefined && (sig?.key ?? null) === this.current) return;
    const old = this.table;
    const source = this.source();
    let next: string | null = null;
    let rows: number | null = null;
    if (sig && sig.size <= FILE_CACHE_MAX_BYTES) {
      next = `${SCHEMA}.${quoteIdent(`${this.name}#${++this.version}`)}`;
      await this.db.query(`CREATE TABLE ${next} AS SELECT * FROM ${source}`);
      rows = Number(await this.db.scalar(`SELECT count(*) FROM ${next}`));
    }
    try {
      // Queries running on the old table finish on it (DuckDB keeps it for their transactions).
      await this.db.query(`CREATE OR REPLACE VIEW ${this.view} AS SELECT * FROM ${next ?? source}`);
    } catch (e) {
      if (next) await this.db.query(`DROP TABLE IF EXISTS ${next}`).catch(() => {});
      throw e;
    }
    this.table = next;
    this.rows = rows;
    this.current = sig?.key ?? null;
    if (old) await this.db.query(`DROP TABLE IF EXISTS ${old}`);
  }
}
