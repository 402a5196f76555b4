// The blob store as one task's operation sees it: upload a file under the task's current lease, and the hub's inline limit.
import type { BlobRef, LeaseRef } from '@simpul/protocol';
import type { BlobClient, FileMeta } from './blob-client.ts';

/** The hub's default SIMPUL_INLINE_RESULT_MAX, until a heartbeat reply says otherwise. */
export const DEFAULT_INLINE_RESULT_MAX = 256 * 1024;

export interface TaskBlobs {
  /** Largest result (bytes of JSON) the hub stores inline; larger ones go to the blob store. */
  readonly inlineMax: number;
  /** Uploads `file`; `progress` gets the share sent (0 to 1). */
  upload(file: string, meta: FileMeta, progress?: (fraction: number) => void): Promise<BlobRef>;
}

export function taskBlobs(
  client: BlobClient,
  lease: () => LeaseRef,
  signal: AbortSignal,
  inlineMax: () => number,
): TaskBlobs {
  return {
    get inlineMax() {
      return inlineMax();
    },
    upload: (file, meta, progress) => client.upload(lease, file, meta, { signal, progress }),
  };
}
