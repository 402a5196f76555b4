// Downloads through the hub as a browser or curl does: GET /api/v1/result/{id}/download, then the signed link it redirects to.
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { downloadPath } from '@simpul/protocol';
import { tempDir } from './procs.ts';

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The 302 and where it points (absolute), without following it. */
export async function downloadLink(
  base: string,
  taskId: string,
  token?: string,
): Promise<{ status: number; location: URL | null; body: any }> {
  const res = await fetch(base + downloadPath(taskId), {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    redirect: 'manual',
  });
  const location = res.headers.get('location');
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, location: location ? new URL(location, base) : null, body };
}

/** The file's bytes, through the redirect. */
export async function download(
  base: string,
  taskId: string,
  token: string,
): Promise<{ bytes: Buffer; headers: Headers }> {
  const link = await downloadLink(base, taskId, token);
  if (link.status !== 302 || !link.location)
    throw new Error(`download of ${taskId}: ${link.status} ${JSON.stringify(link.body)}`);
  const res = await fetch(link.location);
  if (res.status !== 200) throw new Error(`GET ${link.location}: ${res.status} ${await res.text()}`);
  return { bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

/** Rows of a Parquet or CSV file, read with DuckDB. */
export async function readWithDuckDb(bytes: Buffer, ext: 'parquet' | 'csv'): Promise<Record<string, unknown>[]> {
  const file = join(tempDir('simpul-dl-'), `file.${ext}`);
  writeFileSync(file, bytes);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const reader = ext === 'parquet' ? 'read_parquet' : 'read_csv';
  const r = await c.runAndReadAll(`SELECT * FROM ${reader}('${file.replace(/'/g, "''")}')`);
  const rows = r.getRowObjectsJS() as Record<string, unknown>[];
  c.closeSync();
  db.closeSync();
  return rows;
}

/** Files of the hub's own blob store (under its data dir). */
export function localBlobFiles(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, 'blobs')).filter((f) => f.endsWith('.blob'));
  } catch {
    return [];
  }
}
