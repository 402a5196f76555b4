// The hub's own blob store: files under a folder, uploaded and downloaded through the hub with HMAC-signed links.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, type ReadStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { badRequest, tooLarge } from '../errors.ts';
import type { BlobBackend, BlobObject, SignedLink } from './backend.ts';
import type { LinkSigner } from './signing.ts';

export class LocalBackend implements BlobBackend {
  readonly kind = 'local';

  constructor(
    readonly dir: string,
    readonly signer: LinkSigner,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  keyFor(blobId: string): string {
    return `${blobId}.blob`;
  }

  /** Keys are blob ids, which the protocol keeps to [A-Za-z0-9_-]; anything else never reaches the disk. */
  private file(key: string): string {
    if (!/^[A-Za-z0-9_-]+\.blob$/.test(key)) throw new Error(`not a local blob key: ${key}`);
    return path.join(this.dir, key);
  }

  private link(method: 'GET' | 'PUT', blob: BlobObject, ttlS: number, now: number): SignedLink {
    const { query, expiresAt } = this.signer.query(method, blob.id, ttlS, now);
    return {
      url: `/api/v1/blobs/${blob.id}?${query}`,
      headers: method === 'PUT' ? { 'content-type': blob.content_type } : {},
      expiresAt,
    };
  }

  async uploadLink(blob: BlobObject, ttlS: number, now: number): Promise<SignedLink> {
    return this.link('PUT', blob, ttlS, now);
  }

  async downloadLink(blob: BlobObject, ttlS: number, now: number): Promise<SignedLink> {
    return this.link('GET', blob, ttlS, now);
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.file(key))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  /**
   * Streams an upload to a temporary file beside the target, counting and hashing as it goes; only bytes that are
   * exactly the announced size and SHA-256 are renamed into place. A broken or wrong upload leaves nothing behind.
   */
  async receive(blob: BlobObject & { sha256: string }, body: Readable): Promise<void> {
    const part = path.join(this.dir, `.${blob.id}.${randomBytes(6).toString('hex')}.part`);
    const hash = createHash('sha256');
    let received = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        if (received > blob.bytes)
          return done(tooLarge(`the upload is larger than the ${blob.bytes} bytes announced for blob ${blob.id}`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(part, { flags: 'wx' }));
      if (received !== blob.bytes)
        throw badRequest(`blob ${blob.id}: ${received} bytes arrived, ${blob.bytes} were announced`);
      const sha256 = hash.digest('hex');
      if (sha256 !== blob.sha256)
        throw badRequest(`blob ${blob.id}: the bytes' SHA-256 is ${sha256}, ${blob.sha256} was announced`);
      await rename(part, this.file(blob.object_key));
    } catch (e) {
      await rm(part, { force: true });
      throw e;
    }
  }

  open(key: string): ReadStream {
    return createReadStream(this.file(key));
  }

  async read(key: string): Promise<ReadStream> {
    return this.open(key);
  }

  close(): void {}
}
