// The blob store: upload slots for runners, signed links for downloads. Only links travel; bytes never pass through the database.
import { z } from 'zod';
import { TaskId, Timestamp } from './common.ts';

export const BlobId = z
  .string()
  .min(5)
  .max(64)
  .regex(/^blb_[A-Za-z0-9_-]+$/, 'blob ids look like blb_…');
export type BlobId = z.infer<typeof BlobId>;

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest as 64 lowercase hex digits');

/** What a blob is called when downloaded; plain characters only, so that it fits a Content-Disposition header as is. */
export const BlobFilename = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.-]+$/, 'file names are letters, digits, _ . and -');

/** `type/subtype`, no parameters. */
export const ContentType = z
  .string()
  .min(3)
  .max(200)
  .regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/i, 'a media type such as text/csv');

/** `POST /api/v1/uploads` body: a runner asks where to put a task's file (fenced by the lease token). */
export const UploadRequest = z
  .object({
    task_id: TaskId,
    lease_token: z.string().min(1).max(200),
    bytes: z.number().int().min(0),
    sha256: Sha256Hex,
    content_type: ContentType,
    filename: BlobFilename,
  })
  .strict();
export type UploadRequest = z.infer<typeof UploadRequest>;

/**
 * `POST /api/v1/uploads` reply (201). PUT exactly `bytes` bytes to `upload_url` with `headers` (plus Content-Length)
 * before `expires_at`. `upload_url` is absolute (S3) or relative to the hub's base URL (the hub's own store).
 */
export const UploadSlot = z.object({
  blob_id: BlobId,
  upload_url: z.string().min(1),
  method: z.literal('PUT'),
  headers: z.record(z.string(), z.string()),
  expires_at: Timestamp,
});
export type UploadSlot = z.infer<typeof UploadSlot>;

/** Reply of the hub's own store to `PUT /api/v1/blobs/{blob_id}`: the bytes arrived whole and match their SHA-256. */
export const BlobStored = z.object({ blob_id: BlobId, bytes: z.number().int().min(0), sha256: Sha256Hex });
export type BlobStored = z.infer<typeof BlobStored>;

/** Query of the signed blob routes: expiry (epoch seconds) and the hub's signature. */
export const SignedQuery = z.object({ exp: z.coerce.number().int().min(0), sig: z.string().min(1).max(200) });
export type SignedQuery = z.infer<typeof SignedQuery>;

/** How a runner names an uploaded blob in its result (`BlobRef.url`); never a public link. */
export const BLOB_URL_SCHEME = 'blob:';
export const blobUrl = (blobId: string): string => `${BLOB_URL_SCHEME}${blobId}`;
/** The blob id of a `blob:<id>` reference, or null. */
export function blobIdOf(url: string): string | null {
  if (!url.startsWith(BLOB_URL_SCHEME)) return null;
  const id = BlobId.safeParse(url.slice(BLOB_URL_SCHEME.length));
  return id.success ? id.data : null;
}

/** Where users download a task's blob: the hub answers 302 to a short-lived signed link. */
export const downloadPath = (taskId: string): string => `/api/v1/result/${encodeURIComponent(taskId)}/download`;

/** The full result of op 100/200 as a file the hub streams: CSV (any rows result) or Parquet (a result with a file). */
export const RowsFileFormat = z.enum(['csv', 'parquet']);
export type RowsFileFormat = z.infer<typeof RowsFileFormat>;
export const rowsFilePath = (taskId: string, format: RowsFileFormat): string => `${downloadPath(taskId)}/${format}`;
