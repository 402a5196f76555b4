// Where blob bytes live: the hub's own folder (default) or an S3-compatible bucket. Runners and users only ever get links.
import type { Readable } from 'node:stream';
import type { BlobRow } from '../db/schema.ts';

export interface SignedLink {
  url: string; // absolute, or relative to the hub's base URL (the hub's own store)
  headers: Record<string, string>; // to send with the request (an upload's Content-Type is part of its signature)
  expiresAt: number; // epoch ms
}

export type BlobObject = Pick<BlobRow, 'id' | 'object_key' | 'bytes' | 'content_type' | 'filename'>;

export interface BlobBackend {
  readonly kind: 'local' | 's3';
  /** The object key (file name or S3 key) a new blob is stored under. */
  keyFor(blobId: string, filename: string): string;
  /** Where the runner PUTs the bytes. */
  uploadLink(blob: BlobObject, ttlS: number, now: number): Promise<SignedLink>;
  /** Where a user's browser or curl GETs them. */
  downloadLink(blob: BlobObject, ttlS: number, now: number): Promise<SignedLink>;
  /** The stored object's size, or null when there is none (yet). */
  size(key: string): Promise<number | null>;
  /** The stored bytes, for the hub to stream to a user (rows files, `GET /api/v1/result/{id}/download/{format}`). */
  read(key: string): Promise<Readable>;
  /** Removes the object; no error when it is already gone. */
  remove(key: string): Promise<void>;
  close(): void;
}

/** `attachment; filename="…"` (file names are restricted to plain characters by the protocol). */
export const contentDisposition = (filename: string) => `attachment; filename="${filename.replace(/["\\\r\n]/g, '_')}"`;
