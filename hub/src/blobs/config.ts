// Blob store settings (SIMPUL_BLOB_*, SIMPUL_S3_*): part of the hub's one environment schema in ../config.ts.
import path from 'node:path';
import { z } from 'zod';

const GiB = 1024 ** 3;

const Bool = z.string().transform((s, ctx) => {
  const v = s.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  ctx.addIssue({ code: 'custom', message: 'expected true or false' });
  return z.NEVER;
});

export const BLOB_ENV = {
  SIMPUL_BLOB_BACKEND: z.enum(['local', 's3']).optional(), // default: s3 when SIMPUL_S3_BUCKET is set, else local
  SIMPUL_BLOB_DIR: z.string().min(1).optional(), // the local store's folder; default <data dir>/blobs
  SIMPUL_BLOB_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(5 * GiB), // largest file a runner may upload (S3 takes at most 5 GiB in one PUT)
  SIMPUL_BLOB_UPLOAD_TTL_S: z.coerce.number().int().min(1).default(900), // how long an upload link stays valid
  SIMPUL_BLOB_DOWNLOAD_TTL_S: z.coerce.number().int().min(1).default(300), // how long a download link stays valid
  SIMPUL_BLOB_SECRET: z.string().min(16).optional(), // signs the local store's links; default: generated once and kept in the database
  SIMPUL_S3_ENDPOINT: z.url().optional(), // S3-compatible endpoint, e.g. http://127.0.0.1:9000 (MinIO); default AWS
  SIMPUL_S3_BUCKET: z.string().min(1).optional(), // the bucket (it must exist); setting it selects the S3 store
  SIMPUL_S3_REGION: z.string().min(1).default('us-east-1'), // region for signing
  SIMPUL_S3_ACCESS_KEY_ID: z.string().min(1).optional(), // default: the AWS SDK's own credential chain
  SIMPUL_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(), // with SIMPUL_S3_ACCESS_KEY_ID
  SIMPUL_S3_FORCE_PATH_STYLE: Bool.default(false), // true for MinIO and stores without bucket subdomains
  SIMPUL_S3_PREFIX: z.string().max(200).default('simpul/'), // key prefix inside the bucket
};

/** Settings that may also come from `<NAME>_FILE`. */
export const BLOB_SECRET_VARS = ['SIMPUL_BLOB_SECRET', 'SIMPUL_S3_ACCESS_KEY_ID', 'SIMPUL_S3_SECRET_ACCESS_KEY'];

type BlobEnv = z.infer<z.ZodObject<typeof BLOB_ENV>>;

export interface S3Config {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  prefix: string;
}

export interface BlobConfig {
  backend: 'local' | 's3';
  dir: string; // local store
  s3?: S3Config;
  maxBytes: number;
  uploadTtlS: number;
  downloadTtlS: number;
  secret?: string;
}

/** `invalid` makes the hub's own configuration error, so that start-up reports it like any other. */
export function blobConfig(e: BlobEnv, dataDir: string, invalid: (message: string) => Error): BlobConfig {
  const backend = e.SIMPUL_BLOB_BACKEND ?? (e.SIMPUL_S3_BUCKET ? 's3' : 'local');
  if (backend === 's3' && !e.SIMPUL_S3_BUCKET) throw invalid('SIMPUL_BLOB_BACKEND=s3 needs SIMPUL_S3_BUCKET');
  if (!e.SIMPUL_S3_ACCESS_KEY_ID !== !e.SIMPUL_S3_SECRET_ACCESS_KEY) {
    throw invalid(
      'set both SIMPUL_S3_ACCESS_KEY_ID and SIMPUL_S3_SECRET_ACCESS_KEY, or neither (the AWS SDK then finds credentials itself)',
    );
  }
  return {
    backend,
    dir: path.resolve(e.SIMPUL_BLOB_DIR ?? path.join(dataDir, 'blobs')),
    ...(backend === 's3'
      ? {
          s3: {
            endpoint: e.SIMPUL_S3_ENDPOINT,
            bucket: e.SIMPUL_S3_BUCKET!,
            region: e.SIMPUL_S3_REGION,
            accessKeyId: e.SIMPUL_S3_ACCESS_KEY_ID,
            secretAccessKey: e.SIMPUL_S3_SECRET_ACCESS_KEY,
            forcePathStyle: e.SIMPUL_S3_FORCE_PATH_STYLE,
            prefix: e.SIMPUL_S3_PREFIX,
          },
        }
      : {}),
    maxBytes: e.SIMPUL_BLOB_MAX_BYTES,
    uploadTtlS: e.SIMPUL_BLOB_UPLOAD_TTL_S,
    downloadTtlS: e.SIMPUL_BLOB_DOWNLOAD_TTL_S,
    secret: e.SIMPUL_BLOB_SECRET,
  };
}
