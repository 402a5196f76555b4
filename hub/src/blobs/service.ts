// The blob store as the hub uses it: upload slots fenced by the lease, checks of the results that name a blob, download
// links for the task's owner, and the purge of expired blobs.
import type { Readable } from 'node:stream';
import {
  BlobRef,
  blobIdOf,
  type BlobStored,
  type SignedQuery,
  type UploadRequest,
  type UploadSlot,
} from '@simpul/protocol';
import { newId } from '../auth/tokens.ts';
import type { HubConfig } from '../config.ts';
import type { BlobRow, Db, RunnerRow, TaskRow } from '../db/schema.ts';
import { badRequest, conflict, invalidInput, forbidden, notFound, staleLease, tooLarge } from '../errors.ts';
import type { Logger } from '../log.ts';
import { fromJson, iso } from '../store/json.ts';
import { runnerEverHeld } from '../queue/attempts.ts';
import { ACTIVE_STATES, getTask } from '../queue/tasks.ts';
import type { BlobBackend } from './backend.ts';
import { LocalBackend } from './local-backend.ts';
import type { S3Backend } from './s3-backend.ts';
import { linkSigner, type LinkMethod } from './signing.ts';
import { deleteBlobRow, expiredBlobs, getBlob, insertBlob, keepUntil, markStored } from './store.ts';

/**
 * The blobs a result names, its file first: an export is itself a BlobRef; rows and large analysis results carry one in
 * `blob`, and rows their CSV twin in `csv`.
 */
export function blobRefsOf(op: number, result: unknown): BlobRef[] {
  if (result === null || typeof result !== 'object') return [];
  const r = result as { blob?: unknown; csv?: unknown };
  const candidates = op === 400 ? [result] : op === 100 || op === 200 ? [r.blob, r.csv] : [r.blob];
  return candidates
    .filter((c) => c !== undefined)
    .map((c) => {
      const ref = BlobRef.safeParse(c);
      if (!ref.success) throw invalidInput('the result names a blob that is not a BlobRef', ref.error);
      return ref.data;
    });
}

export class BlobService {
  private constructor(
    private readonly db: Db,
    private readonly config: HubConfig,
    private readonly log: Logger,
    readonly local: LocalBackend,
    private readonly s3: S3Backend | null,
  ) {}

  static async open(config: HubConfig, db: Db, log: Logger): Promise<BlobService> {
    const signer = await linkSigner(db, config.blobs.secret);
    // The local store stays available for blobs written before a switch to S3, so that they are still served and purged.
    const local = new LocalBackend(config.blobs.dir, signer);
    // The AWS SDK is loaded only when S3 is configured (it is a noticeable part of a hub's start-up otherwise).
    const s3 = config.blobs.s3 ? new (await import('./s3-backend.ts')).S3Backend(config.blobs.s3) : null;
    return new BlobService(db, config, log, local, s3);
  }

  /** Where new uploads go. */
  get backend(): BlobBackend {
    return this.config.blobs.backend === 's3' && this.s3 ? this.s3 : this.local;
  }

  private backendOf(row: BlobRow): BlobBackend | null {
    return row.backend === 'local' ? this.local : this.s3;
  }

  /** `POST /api/v1/uploads`: a blob row for the task this runner holds, and a signed link to PUT its bytes to. */
  async slot(runner: RunnerRow, req: UploadRequest, now = Date.now()): Promise<UploadSlot> {
    const task = await heldTask(this.db, runner, req.task_id, req.lease_token);
    const max = this.config.blobs.maxBytes;
    if (req.bytes > max)
      throw tooLarge(
        `the file is ${req.bytes} bytes; this hub takes files of at most ${max} bytes (SIMPUL_BLOB_MAX_BYTES)`,
      );
    const backend = this.backend;
    const id = newId('blb', 16);
    const row: BlobRow = {
      id,
      task_id: task.id,
      runner_id: runner.id,
      attempt: task.attempt,
      backend: backend.kind,
      object_key: backend.keyFor(id, req.filename),
      bytes: req.bytes,
      sha256: req.sha256,
      content_type: req.content_type,
      filename: req.filename,
      state: 'pending',
      created_at: now,
      stored_at: null,
      // A blob that no result ever names is purged like a result would be.
      expires_at: now + this.config.resultTtlMs,
    };
    await insertBlob(this.db, row);
    const link = await backend.uploadLink(row, this.config.blobs.uploadTtlS, now);
    return { blob_id: id, upload_url: link.url, method: 'PUT', headers: link.headers, expires_at: iso(link.expiresAt) };
  }

  /** The blob row behind a signed link of the hub's own store; the signature is checked before anything is looked up. */
  private async signedRow(method: LinkMethod, id: string, q: SignedQuery, now = Date.now()): Promise<BlobRow> {
    const verdict = this.local.signer.verify(method, id, q.exp, q.sig, now);
    if (verdict === 'bad') throw forbidden('the link signature is not valid');
    if (verdict === 'expired') throw forbidden(`the link expired at ${iso(q.exp * 1000)}; ask for a new one`);
    const row = await getBlob(this.db, id);
    if (row?.backend !== 'local') throw notFound(`no blob ${id} (it may have expired and been purged)`);
    return row;
  }

  /** `PUT /api/v1/blobs/{id}` on the hub's own store: the bytes, checked against the size and SHA-256 the slot announced. */
  async receive(
    id: string,
    q: SignedQuery,
    body: Readable | null,
    contentLength: string | undefined,
  ): Promise<BlobStored> {
    const row = await this.signedRow('PUT', id, q);
    if (row.state !== 'pending') throw conflict(`blob ${id} was uploaded already`);
    if (contentLength !== undefined) {
      const n = Number(contentLength);
      if (n > row.bytes)
        throw tooLarge(`Content-Length ${n} is more than the ${row.bytes} bytes announced for blob ${id}`);
      if (n !== row.bytes)
        throw badRequest(`Content-Length ${n} is not the ${row.bytes} bytes announced for blob ${id}`);
    }
    if (!body) throw badRequest(`blob ${id}: the request has no body`);
    await this.local.receive(row, body);
    await markStored(this.db, id);
    this.log.debug('blob stored', { blob_id: id, task_id: row.task_id, bytes: row.bytes });
    return { blob_id: id, bytes: row.bytes, sha256: row.sha256 };
  }

  /** `GET /api/v1/blobs/{id}` on the hub's own store. */
  async openLocal(id: string, q: SignedQuery): Promise<{ row: BlobRow; stream: Readable }> {
    const row = await this.signedRow('GET', id, q);
    if (row.state !== 'stored') throw notFound(`blob ${id} has not been uploaded`);
    return { row, stream: this.local.open(row.object_key) };
  }

  /**
   * Checks the blob a result names before the result is stored: it belongs to this task, it arrived whole (S3: the
   * object exists with the announced size), and the result repeats its size and SHA-256. Returns it, or null.
   */
  async resultBlob(task: Pick<TaskRow, 'id' | 'op'>, result: unknown): Promise<BlobRef | null> {
    const refs = blobRefsOf(task.op, result);
    for (const ref of refs) await this.checkRef(task, ref);
    return refs[0] ?? null;
  }

  private async checkRef(task: Pick<TaskRow, 'id'>, ref: BlobRef): Promise<void> {
    const id = blobIdOf(ref.url);
    if (!id)
      throw badRequest(
        `a result names its blob as "blob:<blob_id>" (from POST /api/v1/uploads), not ${JSON.stringify(ref.url.slice(0, 100))}`,
      );
    const row = await getBlob(this.db, id);
    if (!row || row.task_id !== task.id) throw badRequest(`blob ${id} does not belong to task ${task.id}`);
    if (row.bytes !== ref.bytes || row.sha256 !== ref.sha256)
      throw badRequest(
        `the result says blob ${id} has ${ref.bytes} bytes with SHA-256 ${ref.sha256}; it was uploaded as ${row.bytes} bytes with ${row.sha256}`,
      );
    if (row.state !== 'stored') {
      const size = await this.backendOf(row)?.size(row.object_key);
      if (size !== row.bytes)
        throw badRequest(
          `blob ${id} has not been uploaded${typeof size === 'number' ? ` whole (${size} of ${row.bytes} bytes)` : ''}`,
        );
      await markStored(this.db, id);
    }
  }

  /** The result's blobs live as long as it does (called in the transaction that stores the result). */
  async keep(db: Db, op: number, result: unknown, expiresAt: number): Promise<void> {
    for (const ref of blobRefsOf(op, result)) {
      const id = blobIdOf(ref.url);
      if (id) await keepUntil(db, id, expiresAt);
    }
  }

  /** A short-lived signed link to the task's blob, for `GET /api/v1/result/{id}/download`. */
  async downloadLink(task: TaskRow, now = Date.now()): Promise<string> {
    const ref = fromJson(task.result_blob, BlobRef.nullable(), null, {
      table: 'tasks',
      id: task.id,
      column: 'result_blob',
    });
    const id = ref ? blobIdOf(ref.url) : null;
    if (!id)
      throw notFound(
        `task ${task.id} has no file to download${task.result === null && task.finished_at !== null ? ' (its result may have expired)' : ''}`,
      );
    const row = await getBlob(this.db, id);
    const backend = row && this.backendOf(row);
    if (row?.state !== 'stored' || !backend) throw notFound(`the file of task ${task.id} is no longer stored`);
    return (await backend.downloadLink(row, this.config.blobs.downloadTtlS, now)).url;
  }

  /** The bytes of a stored blob of this task, to stream: null when the link names no blob of the task's that is stored. */
  async readOf(task: TaskRow, ref: BlobRef): Promise<{ row: BlobRow; stream: Readable } | null> {
    const id = blobIdOf(ref.url);
    const row = id ? await getBlob(this.db, id) : undefined;
    const backend = row && this.backendOf(row);
    if (!row || !backend || row.task_id !== task.id || row.state !== 'stored') return null;
    return { row, stream: await backend.read(row.object_key) };
  }

  /** Removes blobs past their expiry, object first, so that a failed delete is tried again on the next pass. */
  async purgeExpired(now = Date.now()): Promise<number> {
    let purged = 0;
    for (const row of await expiredBlobs(this.db, now)) {
      const backend = this.backendOf(row);
      try {
        if (backend) await backend.remove(row.object_key);
        else
          this.log.warn('blob store of an expired blob is not configured; forgetting the blob', {
            blob_id: row.id,
            backend: row.backend,
          });
        await deleteBlobRow(this.db, row.id);
        purged++;
      } catch (err) {
        this.log.warn('could not purge an expired blob; will try again', { blob_id: row.id, err });
      }
    }
    if (purged) this.log.info('expired blobs purged', { blobs: purged });
    return purged;
  }

  close(): void {
    this.local.close();
    this.s3?.close();
  }
}

/** The task, if this runner holds it under this lease: 404 unknown, 403 never its own, 409 stale. */
async function heldTask(db: Db, runner: RunnerRow, taskId: string, leaseToken: string): Promise<TaskRow> {
  const task = await getTask(db, taskId);
  if (!task) throw notFound(`no task ${taskId}`);
  if (task.runner_id !== runner.id) {
    if (await runnerEverHeld(db, taskId, runner.id)) throw staleLease(taskId);
    throw forbidden(`task ${taskId} is not held by runner ${runner.id}`);
  }
  if (task.lease_token !== leaseToken || !(ACTIVE_STATES as readonly string[]).includes(task.status))
    throw staleLease(taskId);
  return task;
}
