// The runner's own audit file: one JSON line per task it executed, kept by the data owner, whatever the hub records.
// Each line is written to the file before record() returns (a crash of the runner loses none); the lines written within
// SYNC_MS are then flushed to disk together (one fdatasync for a burst of tasks, not one per task), and the file is
// closed once a burst is over, so that a log rotation is followed.
import { createHash } from 'node:crypto';
import { closeSync, fdatasync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ResultPost, TaskOffer } from '@simpul/protocol';
import { errorMessage } from './errors.ts';
import type { Logger } from './log.ts';

export interface TaskAuditEntry {
  at: string; // when the task ended here
  started_at: string;
  finished_at?: string; // when its result had passed the release gate and was ready to send (absent when abandoned)
  hub: string;
  task_id: string;
  attempt: number;
  request_id: string | null;
  op: number;
  dataset: string | null;
  params: unknown; // exactly what was asked
  params_sha256: string;
  outcome: 'succeeded' | 'failed' | 'canceled' | 'abandoned'; // abandoned: dropped by the hub or cut by a shutdown
  error_code: string | null;
  rows: number | null; // rows in the result, where it has them
  result_bytes: number | null; // size of the result as sent (JSON)
  result_sha256: string | null;
  delivered: boolean; // the hub took the result
}

/** Sorted keys, so that the same params always hash the same. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function rowsOf(result: unknown): number | null {
  if (!result || typeof result !== 'object') return null;
  const r = result as { rows?: unknown; rows_used?: unknown };
  if (Array.isArray(r.rows)) return r.rows.length;
  if (typeof r.rows === 'number') return r.rows;
  return typeof r.rows_used === 'number' ? r.rows_used : null;
}

/** How long lines wait to be flushed to disk together. */
export const SYNC_MS = 5;

export class AuditLog {
  private fd: number | null = null;
  private syncing = false; // a flush is scheduled or under way
  private written = false; // lines written since that flush began

  constructor(
    readonly path: string,
    private readonly hub: () => string,
    private readonly log: Logger,
  ) {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** A review decision on a held result: held, approved, denied or expired. */
  decision(entry: { task_id: string; decision: 'held' | 'approved' | 'denied' | 'expired'; reason?: string }): void {
    this.append(
      {
        at: new Date().toISOString(),
        hub: this.hub(),
        review: entry.decision,
        task_id: entry.task_id,
        ...(entry.reason ? { reason: entry.reason } : {}),
      },
      entry.task_id,
    );
  }

  private append(entry: object, taskId: string): void {
    try {
      this.fd ??= openSync(this.path, 'a', 0o600);
      writeSync(this.fd, `${JSON.stringify(entry)}\n`);
      this.written = true;
      if (!this.syncing) {
        this.syncing = true;
        setTimeout(() => this.sync(), SYNC_MS).unref();
      }
    } catch (e) {
      this.log.error('audit file not written', { path: this.path, error: errorMessage(e), task_id: taskId });
    }
  }

  /** Flush what was written to disk; then again if more came meanwhile, else close the file until the next line. */
  private sync(): void {
    const fd = this.fd;
    if (fd === null) return void (this.syncing = false);
    this.written = false;
    fdatasync(fd, (err) => {
      if (err) this.log.error('audit file not flushed to disk', { path: this.path, error: errorMessage(err) });
      if (this.written) return void setTimeout(() => this.sync(), SYNC_MS).unref();
      this.syncing = false;
      this.fd = null;
      try {
        closeSync(fd);
      } catch {
        // closed already
      }
    });
  }

  /** Appends one line (mode 0600); a write failure is logged, never fatal: the task already ran. */
  record(offer: TaskOffer, startedAt: number, post: ResultPost | null, delivered: boolean, finishedAt?: number): void {
    const json = post?.result === undefined ? null : JSON.stringify(post.result);
    const entry: TaskAuditEntry = {
      at: new Date().toISOString(),
      started_at: new Date(startedAt).toISOString(),
      ...(finishedAt === undefined ? {} : { finished_at: new Date(finishedAt).toISOString() }),
      hub: this.hub(),
      task_id: offer.task_id,
      attempt: offer.attempt,
      request_id: offer.request_id ?? null,
      op: offer.op,
      dataset: typeof offer.params.dataset === 'string' ? offer.params.dataset : null,
      params: offer.params,
      params_sha256: sha256(canonical(offer.params)),
      outcome: post ? post.status : 'abandoned',
      error_code: post?.error?.code ?? null,
      rows: post?.status === 'succeeded' ? rowsOf(post.result) : null,
      result_bytes: json === null ? null : Buffer.byteLength(json),
      result_sha256: json === null ? null : sha256(json),
      delivered,
    };
    this.append(entry, offer.task_id); // the mode applies when the file is made
  }
}
