// Streams a file to a signed URL with PUT (the hub's own store or an S3 bucket): never the whole file in memory.
import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { ErrorBody } from '@simpul/protocol';
import { HubError, NetworkError, errorMessage } from '../errors.ts';

export interface PutOptions {
  headers: Record<string, string>;
  bytes: number; // sent as Content-Length: S3 refuses chunked uploads
  signal: AbortSignal;
  /** Bytes sent so far, as the file is read. */
  onBytes?(sent: number): void;
}

/** An answer that is not 2xx: the hub's error body, or a storage service's (S3 answers XML). */
function failure(status: number, text: string, url: URL): HubError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const body = ErrorBody.safeParse(json);
  if (body.success) return new HubError(status, body.data.error.code, body.data.error.message, body.data.error.details);
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]+)<\/Message>/.exec(text)?.[1];
  return new HubError(
    status,
    code ? `storage_${code}` : `http_${status}`,
    `PUT ${url.origin}${url.pathname}: HTTP ${status} ${message ?? text.slice(0, 200)}`,
  );
}

export function putFile(url: URL, file: string, opts: PutOptions): Promise<void> {
  opts.signal.throwIfAborted();
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      if (err === undefined) resolve();
      else reject(err);
    };
    const req = client.request(url, {
      method: 'PUT',
      headers: { ...opts.headers, 'content-length': String(opts.bytes) },
      signal: opts.signal,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => finish(new NetworkError(`PUT ${url.origin}: ${errorMessage(e)}`, { cause: e })));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) finish();
        else finish(failure(status, Buffer.concat(chunks).toString('utf8'), url));
      });
    });
    req.on('error', (e) =>
      finish(
        opts.signal.aborted
          ? opts.signal.reason
          : new NetworkError(`PUT ${url.origin}: ${errorMessage(e)}`, { cause: e }),
      ),
    );
    const source = createReadStream(file);
    let sent = 0;
    source.on('data', (chunk) => {
      sent += chunk.length;
      opts.onBytes?.(sent);
    });
    source.on('error', (e) => {
      req.destroy(e);
      finish(e);
    });
    source.pipe(req);
  });
}
