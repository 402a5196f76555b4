// Blob store settings: local by default, S3 when a bucket is named, secrets from *_FILE, clear errors for half a setup.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, loadConfig } from '../config.ts';

test('local store under the data dir by default', () => {
  const c = loadConfig({ SIMPUL_DATA_DIR: '/var/lib/simpul' });
  assert.equal(c.blobs, {
    backend: 'local',
    dir: '/var/lib/simpul/blobs',
    maxBytes: 5 * 1024 ** 3,
    uploadTtlS: 900,
    downloadTtlS: 300,
    secret: undefined,
  });
});

test('a bucket selects S3; the secret key may come from a file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'simpul-cfg-'));
  try {
    writeFileSync(path.join(dir, 'key'), 'very-secret\n');
    const c = loadConfig({
      SIMPUL_S3_BUCKET: 'results',
      SIMPUL_S3_ENDPOINT: 'http://127.0.0.1:9000',
      SIMPUL_S3_ACCESS_KEY_ID: 'minio',
      SIMPUL_S3_SECRET_ACCESS_KEY_FILE: path.join(dir, 'key'),
      SIMPUL_S3_FORCE_PATH_STYLE: 'true',
    });
    assert.is(c.blobs.backend, 's3');
    assert.equal(c.blobs.s3, {
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'results',
      region: 'us-east-1',
      accessKeyId: 'minio',
      secretAccessKey: 'very-secret',
      forcePathStyle: true,
      prefix: 'simpul/',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('half an S3 setup is refused with a message that says what is missing', () => {
  assert.throws(
    () => loadConfig({ SIMPUL_BLOB_BACKEND: 's3' }),
    (e: unknown) => e instanceof ConfigError && /SIMPUL_S3_BUCKET/.test((e as Error).message),
  );
  assert.throws(
    () => loadConfig({ SIMPUL_S3_BUCKET: 'b', SIMPUL_S3_ACCESS_KEY_ID: 'k' }),
    (e: unknown) => e instanceof ConfigError && /SECRET_ACCESS_KEY/.test((e as Error).message),
  );
  assert.throws(
    () => loadConfig({ SIMPUL_S3_FORCE_PATH_STYLE: 'maybe' }),
    (e: unknown) => e instanceof ConfigError && /SIMPUL_S3_FORCE_PATH_STYLE/.test((e as Error).message),
  );
});

test.run();
