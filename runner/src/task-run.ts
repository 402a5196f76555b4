// A claimed task as the executor runs it, how its progress and result reach the hub, and why it may stop.
import type { OpCode, ProgressReply, ReleaseReply, ReleaseRequest, ResultPost, ResultReply, TaskOffer, TaskProgress } from '@simpul/protocol';
import type { AuditLog } from './audit-log.ts';
import type { BlobClient } from './blobs/blob-client.ts';
import type { HeldStore } from './disclosure/held-store.ts';
import type { RowLedger } from './disclosure/ledger.ts';
import type { Released } from './disclosure/released.ts';
import type { Engine } from './engine/engine.ts';
import { HubError, NetworkError } from './errors.ts';
import type { Logger } from './log.ts';
import type { Handler } from './ops/index.ts';
import type { ProgressQueue } from './progress-queue.ts';

/** How progress and results reach the hub (the link picks socket or HTTP). One attempt each; throws NetworkError or HubError. */
export interface Reporter {
  progress(msg: TaskProgress): Promise<ProgressReply>;
  /** Only what passed the release gate can be posted (a plain ResultPost does not compile here). */
  result(msg: Released<ResultPost>): Promise<ResultReply>;
  /** Hand a lease back, so that the task runs elsewhere at once. */
  release?(msg: ReleaseRequest): Promise<ReleaseReply>;
}

export type StopReason = 'cancel' | 'timeout' | 'drop' | 'shutdown';

export const withTimeout = <T>(p: Promise<T> | undefined, ms: number) =>
  p === undefined ? Promise.resolve(undefined) : Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);

/** Why a task's signal aborted; handlers just see an aborted signal. */
export class TaskStop extends Error {
  constructor(
    readonly reason: StopReason,
    message: string,
  ) {
    super(message);
    this.name = 'TaskStop';
  }
}

export interface TaskRun {
  offer: TaskOffer;
  phase: 'queued' | 'running' | 'held' | 'reporting'; // held: waiting for the data owner's review, no slot taken
  controller: AbortController;
  stop?: TaskStop;
  progress: ProgressQueue;
  log: Logger;
  heldUntil?: string; // sent with progress while the result is held for review
}

export interface ExecutorOptions {
  concurrency: number;
  engine: Engine;
  reporter: Reporter;
  log: Logger;
  handlers?: { [C in OpCode]: Handler<C> }; // tests may swap in their own
  blobs?: BlobClient; // uploads to the hub's blob store: exports and results over the inline limit
  audit?: AuditLog; // the data owner's local record of every task executed
  /** The release gate's state: the daily row budget, results held for review, the record-key salt. */
  disclosure?: { ledger: RowLedger; held: HeldStore; salt: number };
}

export const isStale = (e: unknown) => e instanceof HubError && (e.code === 'stale_lease' || e.status === 409 || e.status === 404 || e.status === 403);
export const isRetryable = (e: unknown) => e instanceof NetworkError || (e instanceof HubError && (e.status >= 500 || e.status === 429));
