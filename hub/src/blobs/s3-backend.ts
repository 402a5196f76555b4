// Blobs in an S3-compatible bucket (AWS S3, MinIO, …): runners PUT and users GET with presigned URLs; bytes never pass the hub.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import type { S3Config } from './config.ts';
import { contentDisposition, type BlobBackend, type BlobObject, type SignedLink } from './backend.ts';

export class S3Backend implements BlobBackend {
  readonly kind = 's3';
  private readonly client: S3Client;

  constructor(private readonly config: S3Config) {
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      forcePathStyle: config.forcePathStyle,
      ...(config.accessKeyId && config.secretAccessKey
        ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
        : {}),
      // Without this the SDK adds checksum parameters to presigned URLs that plain HTTP clients cannot satisfy.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  keyFor(blobId: string, filename: string): string {
    return `${this.config.prefix}${blobId}/${filename}`;
  }

  async uploadLink(blob: BlobObject, ttlS: number, now: number): Promise<SignedLink> {
    const cmd = new PutObjectCommand({
      Bucket: this.config.bucket,
      Key: blob.object_key,
      ContentType: blob.content_type,
    });
    const url = await getSignedUrl(this.client, cmd, { expiresIn: ttlS, signingDate: new Date(now) });
    return { url, headers: { 'content-type': blob.content_type }, expiresAt: now + ttlS * 1000 };
  }

  async downloadLink(blob: BlobObject, ttlS: number, now: number): Promise<SignedLink> {
    const cmd = new GetObjectCommand({
      Bucket: this.config.bucket,
      Key: blob.object_key,
      ResponseContentDisposition: contentDisposition(blob.filename),
      ResponseContentType: blob.content_type,
    });
    const url = await getSignedUrl(this.client, cmd, { expiresIn: ttlS, signingDate: new Date(now) });
    return { url, headers: {}, expiresAt: now + ttlS * 1000 };
  }

  async size(key: string): Promise<number | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: key }));
      return head.ContentLength ?? null;
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404) return null;
      throw e;
    }
  }

  async read(key: string): Promise<Readable> {
    const got = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }));
    if (!got.Body) throw new Error(`S3 object ${key} has no body`);
    return got.Body as Readable; // in Node the SDK's body is a Readable
  }

  async remove(key: string): Promise<void> {
    // S3 answers a delete of a missing key with success, too.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: key }));
  }

  close(): void {
    this.client.destroy();
  }
}
