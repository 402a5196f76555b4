// The runner's own audit file: one JSON line per task it executed, kept by the data owner, whatever the hub records.
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
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

export class AuditLog {
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
      appendFileSync(this.path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    } catch (e) {
      this.log.error('audit file not written', { path: this.path, error: errorMessage(e), task_id: taskId });
    }
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
