// Uploads a task's file to the hub's blob store: a slot fenced by the lease, a streamed PUT, and a `blob:<id>` reference.
import { blobUrl, type BlobRef, type LeaseRef, type UploadRequest, type UploadSlot } from '@simpul/protocol';
import { backoffMs, sleep } from '../backoff.ts';
import { HubError, NetworkError, TaskFailure, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import { fileDigest } from './file-digest.ts';
import { putFile } from './put-file.ts';

export interface FileMeta {
  content_type: string;
  filename: string;
  format: string;
  rows?: number;
  /** Known already (an export hashes its file as it checks it); otherwise the file is read once more. */
  bytes?: number;
  sha256?: string;
}

/** The part of the hub API an upload needs; `base` is read at each upload (a runner may move to another hub). */
export interface UploadApi {
  readonly base: string;
  uploadSlot(req: UploadRequest): Promise<UploadSlot>;
}

export interface UploadOptions {
  signal: AbortSignal;
  /** Share of the bytes sent so far, 0 to 1. */
  progress?(fraction: number): void;
}

const ATTEMPTS = 4;
const retryable = (e: unknown) =>
  e instanceof NetworkError || (e instanceof HubError && (e.status >= 500 || e.status === 429));

export class BlobClient {
  constructor(
    private readonly api: UploadApi,
    private readonly log: Logger,
  ) {}

  /** `lease` is read at each attempt: the task may be leased to this runner again under a new token meanwhile. */
  async upload(lease: () => LeaseRef, file: string, meta: FileMeta, opts: UploadOptions): Promise<BlobRef> {
    const digest =
      meta.bytes !== undefined && meta.sha256 ? { bytes: meta.bytes, sha256: meta.sha256 } : await fileDigest(file);
    for (let attempt = 1; ; attempt++) {
      opts.signal.throwIfAborted();
      const { task_id, lease_token } = lease();
      try {
        const slot = await this.api.uploadSlot({
          task_id,
          lease_token,
          ...digest,
          content_type: meta.content_type,
          filename: meta.filename,
        });
        await putFile(new URL(slot.upload_url, `${this.api.base}/`), file, {
          headers: slot.headers,
          bytes: digest.bytes,
          signal: opts.signal,
          onBytes: (sent) => opts.progress?.(sent / Math.max(1, digest.bytes)),
        });
        this.log.info('file uploaded', { task_id, blob_id: slot.blob_id, bytes: digest.bytes, attempt });
        return {
          url: blobUrl(slot.blob_id),
          ...digest,
          format: meta.format,
          filename: meta.filename,
          ...(meta.rows === undefined ? {} : { rows: meta.rows }),
        };
      } catch (e) {
        if (opts.signal.aborted) throw opts.signal.reason;
        if (attempt < ATTEMPTS && retryable(e)) {
          const wait = backoffMs(attempt - 1, 500, 8000);
          this.log.warn('upload failed; retrying', { task_id, error: errorMessage(e), retry_in_ms: wait });
          await sleep(wait, opts.signal);
          continue;
        }
        // A stale lease stays what it is: the executor drops the work. Anything else fails the task with the reason.
        if (e instanceof HubError && e.code === 'stale_lease') throw e;
        throw new TaskFailure(
          'op_failed',
          `the file could not be uploaded to the hub's blob store: ${errorMessage(e)}`,
        );
      }
    }
  }
}
