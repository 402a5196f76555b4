// A real S3-protocol server for tests (s3rver, from npm) on a free port, with one bucket; its credentials are S3RVER/S3RVER.
import { rmSync } from 'node:fs';
import S3rver from 's3rver';
import { tempDir } from './support.ts';

export interface TestS3 {
  endpoint: string; // http://127.0.0.1:<port>
  bucket: string;
  directory: string; // where s3rver keeps the objects
  /** SIMPUL_S3_* settings that point a hub at this server. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startS3(bucket = 'simpul-test'): Promise<TestS3> {
  const directory = tempDir('simpul-s3-');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    directory,
    env: {
      SIMPUL_S3_ENDPOINT: endpoint,
      SIMPUL_S3_BUCKET: bucket,
      SIMPUL_S3_REGION: 'us-east-1',
      SIMPUL_S3_ACCESS_KEY_ID: 'S3RVER',
      SIMPUL_S3_SECRET_ACCESS_KEY: 'S3RVER',
      SIMPUL_S3_FORCE_PATH_STYLE: 'true',
    },
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
